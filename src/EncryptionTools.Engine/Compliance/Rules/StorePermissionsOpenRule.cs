namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET4001: store files or directories other users can reach; the fix is the source's chmod or icacls commands.</summary>
internal sealed class StorePermissionsOpenRule() : StoreRule(RuleId, "StorePermissionsOpen", ComplianceSeverity.Critical,
    "The key store's directory or files can be read or written by other users.",
    "Make them owner-only (chmod 700 on the directory, chmod 600 on the files; an owner-only ACL on Windows).")
{
    public const string RuleId = "ET4001";

    public override void Check(StoreFacts store, ComplianceContext context)
    {
        IReadOnlyList<PermissionIssue>? issues;
        try { issues = context.Source.CheckPermissions(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EncryptionToolsException)
        {
            context.Skip("the store's permissions cannot be read: " + ex.Message, this);
            return;
        }
        if (issues is null) context.Skip("the store's permissions cannot be checked here", this);
        else if (issues.Count > 0)
            context.Report(this, ComplianceTargetKind.Store, store.Location,
                $"The key store '{store.Location}' is accessible to other users: {string.Join("; ", issues.Select(i => i.Problem))}.",
                new Remediation(issues.Select(i => i.Fix).ToList()));
    }
}

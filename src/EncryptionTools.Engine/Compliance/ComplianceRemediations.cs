using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// Every command a finding's remediation holds, built as data (command name, parameters, values) and rendered by
/// <see cref="PowerShellQuoting"/> only. The engine builds remediations only here, so that a test can render each one
/// (by reflection, with sample arguments) and check its cmdlet and parameter names against the compiled cmdlets.
/// <c>storePath</c> everywhere: the -StorePath the user gave (appended), or null.
/// </summary>
internal static class ComplianceRemediations
{
    private static RemediationArgument T(string name, string value) => RemediationArgument.Text(name, value);
    private static RemediationArgument W(string name, string value) => RemediationArgument.Word(name, value);
    private static RemediationArgument P(string name, string description) => RemediationArgument.Placeholder(name, description);

    private static RemediationCommand C(string command, string? storePath, params RemediationArgument?[] arguments)
    {
        var list = arguments.Where(a => a is not null).Cast<RemediationArgument>().ToList();
        if (!string.IsNullOrEmpty(storePath)) list.Add(T("StorePath", storePath));
        return new RemediationCommand(command, list);
    }

    private static RemediationCommand ProtectFileCommand(string path, string? keyId, IReadOnlyDictionary<string, string>? existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath)
    {
        var entries = new List<RemediationEntry>();
        if (existingContext is not null)
            entries.AddRange(existingContext.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new RemediationEntry(p.Key, p.Value)));
        foreach (var k in requiredContextKeys)
            if (existingContext is null || !existingContext.ContainsKey(k)) entries.Add(new RemediationEntry(k, "<value>", IsPlaceholder: true));
        return C("Protect-File", storePath, T("LiteralPath", path), RemediationArgument.Switch("InPlace"),
            keyId is null ? null : W("KeyId", keyId),
            entries.Count > 0 ? RemediationArgument.Hashtable("EncryptionContext", entries) : null);
    }

    /// <summary>Protect-File in place with the profile's key and every required context key (existing pairs kept).</summary>
    public static Remediation ProtectFile(string path, string? keyId, IReadOnlyDictionary<string, string>? existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath) =>
        new(ProtectFileCommand(path, keyId, existingContext, requiredContextKeys, storePath));

    /// <summary>ET1008: decrypt in place, then encrypt again with the required context keys.</summary>
    public static Remediation ReEncryptWithContext(string path, string? keyId, IReadOnlyDictionary<string, string> existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath) =>
        new(C("Unprotect-File", storePath, T("LiteralPath", path), RemediationArgument.Switch("InPlace")),
            ProtectFileCommand(path, keyId, existingContext, requiredContextKeys, storePath));

    public static Remediation InspectFile(string path) => new(C("Get-EncFileInfo", null, T("LiteralPath", path)));

    /// <summary>ET1002 for a file made by another store's key: check it against that store.</summary>
    public static Remediation CheckAgainstOtherStore(string path, string keyId) =>
        new(C("Test-EncryptionCompliance", null, T("LiteralPath", path), P("StorePath", $"<the store that holds key {keyId}>")));

    public static Remediation ImportWrappingKey(string keyNamespace, string keyName, string? storePath) =>
        new(C("Import-EncKey", storePath, T("KeyNamespace", keyNamespace), T("KeyName", keyName), P("KeyMaterialBase64", "<the wrapping key, base64>")));

    public static Remediation RestoreKey(string keyId, string? storePath) => new(C("Restore-EncKey", storePath, W("KeyId", keyId)));

    public static Remediation EnableKey(string keyId, string? storePath) => new(C("Enable-EncKey", storePath, W("KeyId", keyId)));

    public static Remediation LowerMinimumDecryptionVersion(string keyId, int version, string? storePath) =>
        new(C("Set-EncKey", storePath, W("KeyId", keyId), RemediationArgument.Number("MinimumDecryptionVersion", version)));

    public static Remediation RewrapFile(string path, string keyId, string? storePath) =>
        new(C("Update-EncFileKey", storePath, T("LiteralPath", path), W("KeyId", keyId)));

    public static Remediation EnableRotation(string keyId, string? storePath) =>
        new(C("Set-EncKey", storePath, W("KeyId", keyId), RemediationArgument.Boolean("RotationEnabled", true)));

    public static Remediation RotateKey(string keyId, bool enableFirst, string? storePath) =>
        new([.. enableFirst ? EnableKey(keyId, storePath).Commands : [], C("Invoke-EncKeyRotation", storePath, W("KeyId", keyId))]);

    /// <summary>ET2005: a key cannot be made non-exportable; move its files to a new key and remove it.</summary>
    public static Remediation ReplaceExportableKey(string keyId, string? storePath) =>
        new(C("New-EncKey", storePath, T("Description", "Replaces " + keyId)),
            C("Update-EncFileKey", storePath, P("LiteralPath", $"<files under {keyId}>"), P("KeyId", "<the new key>")),
            C("Remove-EncKey", storePath, W("KeyId", keyId)));

    public static Remediation RemoveAlias(string aliasName, string? storePath) => new(C("Remove-EncKeyAlias", storePath, W("AliasName", aliasName)));

    /// <summary>ET3001: the policy without the statement that allows '*' (given in full when it could be computed).</summary>
    public static Remediation ReplacePolicy(string keyId, string? policy, string? storePath) =>
        new(C("Set-EncKeyPolicy", storePath, W("KeyId", keyId), policy is null ? P("Policy", "<the policy without that statement>") : T("Policy", policy)));

    public static Remediation ReplaceInvalidPolicy(string keyId, string? storePath) =>
        new(C("Set-EncKeyPolicy", storePath, W("KeyId", keyId), P("Policy", "<a valid policy document>")));

    public static Remediation RevokeGrant(string keyId, string grantId, string? storePath) =>
        new(C("Revoke-EncKeyAccess", storePath, W("KeyId", keyId), W("GrantId", grantId)));

    /// <summary>ET3002: revoke, then grant the same operations again under an encryption context constraint.</summary>
    public static Remediation RegrantWithConstraint(string keyId, string grantId, string grantee, IReadOnlyList<GrantOperation> operations,
        IReadOnlyList<string> requiredContextKeys, string? storePath)
    {
        var entries = requiredContextKeys.Count > 0
            ? requiredContextKeys.Select(k => new RemediationEntry(k, "<value>", IsPlaceholder: true)).ToList()
            : [new RemediationEntry("<key>", "<value>", IsPlaceholder: true)];
        return new([.. RevokeGrant(keyId, grantId, storePath).Commands,
            C("Grant-EncKeyAccess", storePath, W("KeyId", keyId), T("Grantee", grantee),
                RemediationArgument.List("Operation", operations.Select(o => o.ToString())), RemediationArgument.Hashtable("EncryptionContextSubset", entries))]);
    }

    public static Remediation SetStorePassword(string? storePath) =>
        new(C("Set-EncKeyStore", storePath, W("Protection", "Password"),
            RemediationArgument.Expression("Password", "(Read-Host -AsSecureString 'New store password')")));

    public static Remediation TestAuditLog(string? storePath) => new(C("Test-EncAuditLog", storePath));

    /// <summary>ET4001 on Unix: owner-only modes (700 for the directory, 600 for its files).</summary>
    public static RemediationCommand ChangeMode(int mode, string path) =>
        new("chmod", [RemediationArgument.Number(null, mode), RemediationArgument.Text(null, path)]);

    /// <summary>ET4001 on Windows: owner-only access, inheritance removed.</summary>
    public static RemediationCommand OwnerOnlyAcl(string path) =>
        new("icacls", [RemediationArgument.Text(null, path), RemediationArgument.Word(null, "/inheritance:r"), RemediationArgument.Word(null, "/grant:r"),
            new RemediationArgument { Kind = RemediationArgumentKind.Expression, Value = "\"${env:USERNAME}:(OI)(CI)F\"" }]);
}

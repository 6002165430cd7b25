namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// The building blocks of remediations: how a command is made as data (command name, parameters, values; rendered by
/// <see cref="PowerShellQuoting"/> only), and the commands more than one rule uses. A rule's own remediation lives in
/// its class (Rules/); a test renders every public template here and there (by reflection, with sample arguments) and
/// checks its cmdlet and parameter names against the compiled cmdlets.
/// <c>storePath</c> everywhere: the -StorePath the user gave (appended), or null.
/// </summary>
internal static class ComplianceRemediations
{
    internal static RemediationArgument Text(string name, string value) => RemediationArgument.Text(name, value);
    internal static RemediationArgument Word(string name, string value) => RemediationArgument.Word(name, value);
    internal static RemediationArgument Placeholder(string name, string description) => RemediationArgument.Placeholder(name, description);

    /// <summary>A command with its arguments (nulls left out) and the -StorePath last.</summary>
    internal static RemediationCommand Command(string command, string? storePath, params RemediationArgument?[] arguments)
    {
        var list = arguments.Where(a => a is not null).Cast<RemediationArgument>().ToList();
        if (!string.IsNullOrEmpty(storePath)) list.Add(Text("StorePath", storePath));
        return new RemediationCommand(command, list);
    }

    internal static RemediationCommand ProtectFileCommand(string path, string? keyId, IReadOnlyDictionary<string, string>? existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath)
    {
        var entries = new List<RemediationEntry>();
        if (existingContext is not null)
            entries.AddRange(existingContext.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new RemediationEntry(p.Key, p.Value)));
        foreach (var k in requiredContextKeys)
            if (existingContext is null || !existingContext.ContainsKey(k)) entries.Add(new RemediationEntry(k, "<value>", IsPlaceholder: true));
        return Command("Protect-File", storePath, Text("LiteralPath", path), RemediationArgument.Switch("InPlace"),
            keyId is null ? null : Word("KeyId", keyId),
            entries.Count > 0 ? RemediationArgument.Hashtable("EncryptionContext", entries) : null);
    }

    /// <summary>Protect-File in place with the profile's key and every required context key (existing pairs kept).</summary>
    public static Remediation ProtectFile(string path, string? keyId, IReadOnlyDictionary<string, string>? existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath) =>
        new(ProtectFileCommand(path, keyId, existingContext, requiredContextKeys, storePath));

    public static Remediation InspectFile(string path) => new(Command("Get-EncFileInfo", null, Text("LiteralPath", path)));

    public static Remediation RestoreKey(string keyId, string? storePath) => new(Command("Restore-EncKey", storePath, Word("KeyId", keyId)));

    public static Remediation EnableKey(string keyId, string? storePath) => new(Command("Enable-EncKey", storePath, Word("KeyId", keyId)));

    public static Remediation RotateKey(string keyId, bool enableFirst, string? storePath) =>
        new([.. enableFirst ? EnableKey(keyId, storePath).Commands : [], Command("Invoke-EncKeyRotation", storePath, Word("KeyId", keyId))]);

    public static Remediation RevokeGrant(string keyId, string grantId, string? storePath) =>
        new(Command("Revoke-EncKeyAccess", storePath, Word("KeyId", keyId), Word("GrantId", grantId)));

    /// <summary>
    /// An AWS CLI call on a KMS key (<c>aws kms enable-key --key-id 'arn' --region r</c>): KMS keys are managed in
    /// KMS, not by this module. The region is the ARN's, since KMS takes a key ARN only in its own region.
    /// </summary>
    internal static RemediationCommand AwsKms(string operation, string keyArn)
    {
        var arguments = new List<RemediationArgument> { RemediationArgument.Word(null, "kms"), RemediationArgument.Word(null, operation), Flag("--key-id"), RemediationArgument.Text(null, keyArn) };
        if (Keyrings.AwsKmsArn.TryParse(keyArn, out var arn)) arguments.AddRange([Flag("--region"), RemediationArgument.Word(null, arn.Region)]);
        return new RemediationCommand("aws", arguments);
    }

    /// <summary>A native command's option (--key-id), written as is: a quoted '--key-id' would work but reads badly.</summary>
    private static RemediationArgument Flag(string option) => new() { Kind = RemediationArgumentKind.Expression, Value = option };

    /// <summary>ET4001 on Unix: owner-only modes (700 for the directory, 600 for its files).</summary>
    public static RemediationCommand ChangeMode(int mode, string path) =>
        new("chmod", [RemediationArgument.Number(null, mode), RemediationArgument.Text(null, path)]);

    /// <summary>ET4001 on Windows: owner-only access, inheritance removed.</summary>
    public static RemediationCommand OwnerOnlyAcl(string path) =>
        new("icacls", [RemediationArgument.Text(null, path), RemediationArgument.Word(null, "/inheritance:r"), RemediationArgument.Word(null, "/grant:r"),
            new RemediationArgument { Kind = RemediationArgumentKind.Expression, Value = "\"${env:USERNAME}:(OI)(CI)F\"" }]);
}

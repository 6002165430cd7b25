namespace EncryptionTools.Engine.Compliance;

/// <summary>How bad a finding is. Ordered: a -MinimumSeverity of Medium reports Medium, High and Critical.</summary>
public enum ComplianceSeverity
{
    Informational = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>What a rule looks at.</summary>
public enum ComplianceArea
{
    Files,
    Keys,
    Policies,
    Store,
}

/// <summary>One rule: a stable id (never reused), its default severity, what it checks and how to fix it in general.</summary>
public sealed record ComplianceRule(string Id, string Name, ComplianceArea Area, ComplianceSeverity Severity, string Description, string Help);

/// <summary>
/// The rule catalog. Ids are stable: ET1xxx files, ET2xxx keys, ET3xxx policies and grants, ET4xxx the store. A rule
/// that is retired keeps its id reserved; new rules take new ids.
/// </summary>
public static class ComplianceRules
{
    public const string FileNotEncrypted = "ET1001";
    public const string FileKeyUnknown = "ET1002";
    public const string FileKeyDisabled = "ET1003";
    public const string FileKeyPendingDeletion = "ET1004";
    public const string FileKeyVersionRetired = "ET1005";
    public const string FileNonCommittingSuite = "ET1006";
    public const string FileFormatV1 = "ET1007";
    public const string FileContextMissingKeys = "ET1008";
    public const string FileKeyVersionTooOld = "ET1009";
    public const string FileUnreadable = "ET1010";

    public const string KeyRotationDisabled = "ET2001";
    public const string KeyRotationOverdue = "ET2002";
    public const string KeyPendingDeletionInUse = "ET2003";
    public const string AliasDangling = "ET2004";
    public const string KeyExportable = "ET2005";
    public const string KeyTooOld = "ET2006";

    public const string PolicyPublicDecrypt = "ET3001";
    public const string GrantWithoutConstraints = "ET3002";
    public const string GrantPrincipalMissing = "ET3003";
    public const string PolicyInvalid = "ET3004";

    public const string StorePermissionsOpen = "ET4001";
    public const string StoreWithoutPassword = "ET4002";
    public const string AuditLogBroken = "ET4003";

    /// <summary>
    /// The rules a run leaves out. A check of named paths reports on those files only: the key, policy and store rules
    /// are left out unless the caller asks for them (-IncludeStore, --include-store) or names rules itself. The cmdlet
    /// and the CLI share this rule, so a path means the same to both.
    /// </summary>
    public static IReadOnlyList<string> Excluded(IEnumerable<string>? excludeRules, bool pathsNamed, bool includeStore, bool rulesNamed)
    {
        var excluded = new List<string>(excludeRules ?? []);
        if (pathsNamed && !includeStore && !rulesNamed)
            excluded.AddRange(All.Where(r => r.Area != ComplianceArea.Files).Select(r => r.Id));
        return excluded;
    }

    public static IReadOnlyList<ComplianceRule> All { get; } =
    [
        new(FileNotEncrypted, "FileNotEncrypted", ComplianceArea.Files, ComplianceSeverity.High,
            "A file that must be encrypted is not an AWS Encryption SDK message.",
            "Encrypt it in place with Protect-File -InPlace (with the profile's key and encryption context)."),
        new(FileKeyUnknown, "FileKeyUnknown", ComplianceArea.Files, ComplianceSeverity.High,
            "An encrypted file has no data key made by a key of the store: nobody can open it with this store.",
            "Import the wrapping key with Import-EncKey, or check the file against the store that made it (-StorePath)."),
        new(FileKeyDisabled, "FileKeyDisabled", ComplianceArea.Files, ComplianceSeverity.High,
            "An encrypted file can only be opened by a key that is disabled.",
            "Enable the key with Enable-EncKey, or rewrap the file to another key."),
        new(FileKeyPendingDeletion, "FileKeyPendingDeletion", ComplianceArea.Files, ComplianceSeverity.Critical,
            "An encrypted file can only be opened by a key that is scheduled for deletion: when it is destroyed the file is lost.",
            "Cancel the deletion with Restore-EncKey, then rewrap the file with Update-EncFileKey if the key is to go."),
        new(FileKeyVersionRetired, "FileKeyVersionRetired", ComplianceArea.Files, ComplianceSeverity.High,
            "An encrypted file was made by a key version below the key's minimum decryption version: it cannot be opened.",
            "Lower the key's minimum decryption version with Set-EncKey -MinimumDecryptionVersion, then rewrap the file."),
        new(FileNonCommittingSuite, "FileNonCommittingSuite", ComplianceArea.Files, ComplianceSeverity.High,
            "An encrypted file uses an algorithm suite without key commitment.",
            "Decrypt it with the SDK that wrote it and encrypt it again with Protect-File (committing suite 0x0478)."),
        new(FileFormatV1, "FileFormatV1", ComplianceArea.Files, ComplianceSeverity.High,
            "An encrypted file is in message format version 1, which has no key commitment.",
            "Decrypt it with the SDK that wrote it and encrypt it again with Protect-File (format version 2)."),
        new(FileContextMissingKeys, "FileContextMissingKeys", ComplianceArea.Files, ComplianceSeverity.Medium,
            "An encrypted file's encryption context lacks keys the profile requires (RequiredEncryptionContextKeys).",
            "Decrypt it and encrypt it again with Protect-File -EncryptionContext naming every required key."),
        new(FileKeyVersionTooOld, "FileKeyVersionTooOld", ComplianceArea.Files, ComplianceSeverity.Medium,
            "An encrypted file is wrapped under a key version more versions behind the current one than the profile allows (MaximumKeyVersionLag).",
            "Rewrap it under the key's current version with Update-EncFileKey (the body is not re-encrypted)."),
        new(FileUnreadable, "FileUnreadable", ComplianceArea.Files, ComplianceSeverity.Medium,
            "A file could not be read, or starts like an encrypted message but its header is damaged.",
            "Inspect it with Get-EncFileInfo; restore it from a backup if it is damaged."),

        new(KeyRotationDisabled, "KeyRotationDisabled", ComplianceArea.Keys, ComplianceSeverity.Medium,
            "A customer-managed symmetric key does not rotate automatically (profile RequireRotation).",
            "Turn rotation on with Set-EncKey -RotationEnabled $true."),
        new(KeyRotationOverdue, "KeyRotationOverdue", ComplianceArea.Keys, ComplianceSeverity.High,
            "A key's automatic rotation date has passed without a rotation (the key is disabled, or the store was not used since).",
            "Rotate it now with Invoke-EncKeyRotation (enable it first with Enable-EncKey if it is disabled)."),
        new(KeyPendingDeletionInUse, "KeyPendingDeletionInUse", ComplianceArea.Keys, ComplianceSeverity.Critical,
            "A key scheduled for deletion still wraps data keys of scanned files.",
            "Cancel the deletion with Restore-EncKey, rewrap the files with Update-EncFileKey, then schedule the deletion again."),
        new(AliasDangling, "AliasDangling", ComplianceArea.Keys, ComplianceSeverity.Low,
            "An alias points to a key that does not exist or is scheduled for deletion.",
            "Remove the alias with Remove-EncKeyAlias, or point it to a live key with Set-EncKeyAlias."),
        new(KeyExportable, "KeyExportable", ComplianceArea.Keys, ComplianceSeverity.Medium,
            "A key's material can be exported, and the profile forbids exportable keys (AllowExportableKeys = $false).",
            "Create a non-exportable key, rewrap the files to it with Update-EncFileKey, and remove the exportable key with Remove-EncKey."),
        new(KeyTooOld, "KeyTooOld", ComplianceArea.Keys, ComplianceSeverity.Medium,
            "A key's current material is older than the profile allows (MaximumKeyAgeDays).",
            "Rotate it with Invoke-EncKeyRotation."),

        new(PolicyPublicDecrypt, "PolicyPublicDecrypt", ComplianceArea.Policies, ComplianceSeverity.Critical,
            "A key policy allows kms:Decrypt to every principal ('*').",
            "Replace the policy with Set-EncKeyPolicy, without the statement that allows '*'."),
        new(GrantWithoutConstraints, "GrantWithoutConstraints", ComplianceArea.Policies, ComplianceSeverity.Medium,
            "A grant for cryptographic operations has no encryption context constraint, and the profile requires one (RequireGrantConstraints).",
            "Revoke it with Revoke-EncKeyAccess and grant again with -EncryptionContextSubset or -EncryptionContextEquals."),
        new(GrantPrincipalMissing, "GrantPrincipalMissing", ComplianceArea.Policies, ComplianceSeverity.Medium,
            "A grant's grantee names an account or group that no longer exists (a later account of that name would inherit it).",
            "Revoke it with Revoke-EncKeyAccess."),
        new(PolicyInvalid, "PolicyInvalid", ComplianceArea.Policies, ComplianceSeverity.High,
            "A key policy does not parse as a key policy, so nothing it says can be evaluated.",
            "Replace it with a valid policy with Set-EncKeyPolicy."),

        new(StorePermissionsOpen, "StorePermissionsOpen", ComplianceArea.Store, ComplianceSeverity.Critical,
            "The key store's directory or files can be read or written by other users.",
            "Make them owner-only (chmod 700 on the directory, chmod 600 on the files; an owner-only ACL on Windows)."),
        new(StoreWithoutPassword, "StoreWithoutPassword", ComplianceArea.Store, ComplianceSeverity.High,
            "The store's root key is not protected by a password, and the profile requires one (RequirePassword).",
            "Set a password with Set-EncKeyStore -Protection Password -Password."),
        new(AuditLogBroken, "AuditLogBroken", ComplianceArea.Store, ComplianceSeverity.Critical,
            "The store's audit log does not verify: records were edited, deleted, reordered, inserted or cut.",
            "Run Test-EncAuditLog to see the first broken record, and investigate it."),
    ];

    private static readonly Dictionary<string, ComplianceRule> ById = All.ToDictionary(r => r.Id, StringComparer.OrdinalIgnoreCase);

    public static ComplianceRule Get(string id) => ById.TryGetValue(id, out var rule)
        ? rule
        : throw new ComplianceArgumentException($"'{id}' is not a compliance rule id. The rules are {string.Join(", ", All.Select(r => r.Id))}.");

    public static bool TryGet(string id, out ComplianceRule? rule) => ById.TryGetValue(id, out rule);

    /// <summary>
    /// The rules selected by ids or names (with * and ? wildcards: ET1*, *Grant*), less the excluded ones; every rule when
    /// <paramref name="include"/> is empty. A pattern that matches no rule is an error naming it.
    /// </summary>
    public static IReadOnlyList<ComplianceRule> Select(IEnumerable<string>? include, IEnumerable<string>? exclude)
    {
        var included = (include ?? []).ToList();
        var selected = included.Count == 0 ? All.ToList() : All.Where(r => included.Any(p => Matches(p, r))).ToList();
        foreach (var p in included.Concat(exclude ?? []))
        {
            if (!All.Any(r => Matches(p, r)))
                throw new ComplianceArgumentException($"'{p}' matches no compliance rule. The rules are {string.Join(", ", All.Select(r => r.Id))}.");
        }
        var excluded = (exclude ?? []).ToList();
        return selected.Where(r => !excluded.Any(p => Matches(p, r))).ToList();
    }

    private static bool Matches(string pattern, ComplianceRule rule) =>
        Wildcard.IsMatch(pattern.Trim(), rule.Id, ignoreCase: true) || Wildcard.IsMatch(pattern.Trim(), rule.Name, ignoreCase: true);
}

/// <summary>A bad argument to the compliance engine (a rule id, a severity, a path).</summary>
public sealed class ComplianceArgumentException(string message)
    : EncryptionToolsException(ErrorCatalog.ComplianceInvalidArgument, message);

/// <summary>A compliance profile that does not parse or names an unknown or mistyped field; the message names the field (and line).</summary>
public sealed class ComplianceProfileException(string message, string? field = null, int? line = null)
    : EncryptionToolsException(ErrorCatalog.ComplianceProfileInvalid, message)
{
    public string? Field { get; } = field;
    public int? Line { get; } = line;
}

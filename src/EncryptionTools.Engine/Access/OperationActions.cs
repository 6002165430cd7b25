using System.Text;

namespace EncryptionTools.Engine.Access;

/// <summary>Which key of an operation an action is checked on.</summary>
public enum KeyRole
{
    /// <summary>The key the operation names.</summary>
    Key,
    /// <summary>Protect: the key that generates the data key.</summary>
    PrimaryKey,
    /// <summary>Protect: every further key the data key is also encrypted under.</summary>
    EachAdditionalKey,
    /// <summary>Decrypt: the key that unwraps the file's data key (each candidate key is checked before it is used).</summary>
    DecryptingKey,
    /// <summary>Re-encrypt: the key the file is encrypted under now.</summary>
    SourceKey,
    /// <summary>Re-encrypt: the key the file will be encrypted under.</summary>
    DestinationKey,
    /// <summary>Update alias: the key the alias points to now.</summary>
    CurrentAliasTarget,
    /// <summary>Update alias: the key the alias will point to.</summary>
    NewAliasTarget,
}

/// <summary>One action an operation needs, on one of its keys, possibly only in some cases (<see cref="When"/>).</summary>
public sealed record ActionRequirement(string Action, KeyRole On, string? When = null)
{
    public override string ToString() => $"{Action} on {RoleText(On)}" + (When is null ? "" : $" ({When})");

    internal static string RoleText(KeyRole role) => role switch
    {
        KeyRole.Key => "the key",
        KeyRole.PrimaryKey => "the primary key",
        KeyRole.EachAdditionalKey => "each additional key",
        KeyRole.DecryptingKey => "the key that decrypts the data key",
        KeyRole.SourceKey => "the old key",
        KeyRole.DestinationKey => "the new key",
        KeyRole.CurrentAliasTarget => "the alias's current key",
        KeyRole.NewAliasTarget => "the alias's new key",
        _ => role.ToString(),
    };
}

/// <summary>
/// One engine operation, the cmdlet and the CLI command that run it, and what it needs: the kms: actions checked with
/// <see cref="AccessEvaluator"/> on each key (with the request's encryption context where <see cref="WithEncryptionContext"/>),
/// or, for operations on the store or the audit log rather than a key, the store's own rule in <see cref="StoreRule"/>.
/// </summary>
public sealed record OperationActions(string Operation, string? Cmdlet, string? CliCommand, IReadOnlyList<ActionRequirement> Requirements,
    bool WithEncryptionContext = false, string? StoreRule = null, string? Notes = null);

/// <summary>
/// The mapping from every engine operation, cmdlet and CLI command to the actions it needs: the one table the cmdlets
/// enforce on every call and the docs page (about_EncryptionTools_Policies) is generated from (<see cref="ToMarkdown"/>).
/// Every operation is audited, allowed or denied, under its first action (or its <see cref="OperationActions.Operation"/>
/// name for store operations).
/// </summary>
public static class OperationActionMap
{
    private const string StoreOwnerOnly = "the store owner only (the store's file permissions decide; no key policy applies)";

    public static IReadOnlyList<OperationActions> All { get; } =
    [
        new("CreateKey", "New-EncKey", null, [],
            StoreRule: "the store owner, or anyone who can write the store; the new key gets the default policy, or the given one after the lockout check",
            Notes: "kms:CreateKey names this in a policy for KMS compatibility; a key that does not exist yet has no policy to consult."),
        new("DescribeKey", "Get-EncKey", null, [new(KmsActions.DescribeKey, KeyRole.Key)],
            Notes: "Listing keys shows only those the caller may describe."),
        new("ProtectFile", "Protect-EncFile", "enctools encrypt",
            [new(KmsActions.GenerateDataKey, KeyRole.PrimaryKey), new(KmsActions.Encrypt, KeyRole.EachAdditionalKey, "when more than one key is given")],
            WithEncryptionContext: true),
        new("UnprotectFile", "Unprotect-EncFile", "enctools decrypt", [new(KmsActions.Decrypt, KeyRole.DecryptingKey)],
            WithEncryptionContext: true,
            Notes: "A key the caller may not use is skipped and reported, as an encrypted data key that cannot be decrypted."),
        new("ReEncryptFile", "Update-EncFileKey", null,
            [new(KmsActions.ReEncryptFrom, KeyRole.SourceKey), new(KmsActions.ReEncryptTo, KeyRole.DestinationKey)],
            WithEncryptionContext: true),
        new("GetFileInfo", "Get-EncFileInfo", "enctools info", [],
            StoreRule: "none: it reads the file's header only and uses no key"),
        new("ListAliases", "Get-EncKeyAlias", null, [new(KmsActions.ListAliases, KeyRole.Key)]),
        new("CreateAlias", "New-EncKeyAlias", null, [new(KmsActions.CreateAlias, KeyRole.Key)]),
        new("UpdateAlias", "Set-EncKeyAlias", null,
            [new(KmsActions.UpdateAlias, KeyRole.CurrentAliasTarget), new(KmsActions.UpdateAlias, KeyRole.NewAliasTarget)],
            Notes: "As in KMS, both keys must allow it."),
        new("DeleteAlias", "Remove-EncKeyAlias", null, [new(KmsActions.DeleteAlias, KeyRole.Key)]),
        new("EnableKey", "Enable-EncKey", null, [new(KmsActions.EnableKey, KeyRole.Key)]),
        new("DisableKey", "Disable-EncKey", null, [new(KmsActions.DisableKey, KeyRole.Key)]),
        new("UpdateKeyDescription", "Set-EncKey", null, [new(KmsActions.UpdateKeyDescription, KeyRole.Key, "-Description")]),
        new("TagResource", "Set-EncKey", null, [new(KmsActions.TagResource, KeyRole.Key, "-Tag")]),
        new("UntagResource", "Set-EncKey", null, [new(KmsActions.UntagResource, KeyRole.Key, "-RemoveTag")]),
        new("EnableKeyRotation", "Enable-EncKeyRotation", null, [new(KmsActions.EnableKeyRotation, KeyRole.Key)]),
        new("DisableKeyRotation", "Disable-EncKeyRotation", null, [new(KmsActions.DisableKeyRotation, KeyRole.Key)]),
        new("RotateKeyOnDemand", "Invoke-EncKeyRotation", null, [new(KmsActions.RotateKeyOnDemand, KeyRole.Key)]),
        new("GetKeyRotationStatus", "Get-EncKeyRotation", null,
            [new(KmsActions.GetKeyRotationStatus, KeyRole.Key), new(KmsActions.ListKeyRotations, KeyRole.Key, "to list past rotations")]),
        new("ScheduleKeyDeletion", "Remove-EncKey", null, [new(KmsActions.ScheduleKeyDeletion, KeyRole.Key)]),
        new("CancelKeyDeletion", "Restore-EncKey", null, [new(KmsActions.CancelKeyDeletion, KeyRole.Key)]),
        new("ImportKeyMaterial", "Import-EncKey", null, [new(KmsActions.ImportKeyMaterial, KeyRole.Key, "into an existing key")],
            Notes: "Importing a new key is CreateKey."),
        new("ExportKeyMaterial", "Export-EncKey", null, [new(KmsActions.ExportKeyMaterial, KeyRole.Key)],
            Notes: "Ours: KMS never exports key material."),
        new("GetPublicKey", "Export-EncKey", null, [new(KmsActions.GetPublicKey, KeyRole.Key, "-PublicKeyOnly, for an RSA key")]),
        new("GetKeyPolicy", "Get-EncKeyPolicy", null, [new(KmsActions.GetKeyPolicy, KeyRole.Key)]),
        new("PutKeyPolicy", "Set-EncKeyPolicy", null, [new(KmsActions.PutKeyPolicy, KeyRole.Key)],
            Notes: "Then the lockout safety check, unless -BypassLockoutSafetyCheck."),
        new("TestKeyAccess", "Test-EncKeyAccess", null, [new(KmsActions.GetKeyPolicy, KeyRole.Key, "to test a principal other than the caller")],
            Notes: "Testing one's own access needs no permission."),
        new("CreateGrant", "Grant-EncKeyAccess", null, [new(KmsActions.CreateGrant, KeyRole.Key)],
            Notes: "From the policy, or from a grant that includes CreateGrant (then only for its own operations and an equally strict constraint)."),
        new("ListGrants", "Get-EncKeyGrant", null, [new(KmsActions.ListGrants, KeyRole.Key)]),
        new("RevokeGrant", "Revoke-EncKeyAccess", null, [new(KmsActions.RevokeGrant, KeyRole.Key)]),
        new("RetireGrant", "Revoke-EncKeyAccess", null, [],
            StoreRule: "-Retire: the grant decides, not the policy: its retiring principal, its grantee if it includes RetireGrant, or the store owner",
            Notes: "Audited as kms:RetireGrant."),
        new("GetAuditEvents", "Get-EncAuditEvent", null, [], StoreRule: StoreOwnerOnly),
        new("VerifyAuditLog", "Test-EncAuditLog", null, [], StoreRule: StoreOwnerOnly),
        new("UnlockStore", "Unlock-EncKeyStore", null, [], StoreRule: "whoever holds the store's root-key protection (password, DPAPI, key file)"),
        new("LockStore", "Lock-EncKeyStore", null, [], StoreRule: "none: it forgets the unlocked root key in this session"),
    ];

    /// <summary>The rows of an operation, a cmdlet (several rows when its parameters choose the action) or a CLI command.</summary>
    public static IReadOnlyList<OperationActions> For(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.Where(o => string.Equals(o.Operation, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(o.Cmdlet, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(o.CliCommand, name, StringComparison.OrdinalIgnoreCase)).ToArray();
    }

    /// <summary>The table as Markdown, as it appears in docs/about_EncryptionTools_Policies.md (a test keeps them equal).</summary>
    public static string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("| Cmdlet | CLI | Operation | Needs | Context |\n");
        sb.Append("| --- | --- | --- | --- | --- |\n");
        foreach (var o in All)
        {
            var needs = o.Requirements.Count > 0 ? string.Join("; ", o.Requirements.Select(r => r.ToString())) : o.StoreRule!;
            if (o.Notes is not null) needs += ". " + o.Notes;
            sb.Append("| ").Append(o.Cmdlet ?? "-")
              .Append(" | ").Append(o.CliCommand ?? "-")
              .Append(" | ").Append(o.Operation)
              .Append(" | ").Append(needs)
              .Append(" | ").Append(o.WithEncryptionContext ? "yes" : "-")
              .Append(" |\n");
        }
        return sb.ToString();
    }
}

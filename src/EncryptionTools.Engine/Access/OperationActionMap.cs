using System.Text;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// The mapping from every engine operation, cmdlet and CLI command to the actions it needs: the one table the cmdlets
/// enforce on every call and the docs page (about_EncryptionTools_Policies) is generated from (<see cref="ToMarkdown"/>).
/// Every operation is audited, allowed or denied, under its first action (or its <see cref="OperationActions.Operation"/>
/// name for store operations).
/// </summary>
internal static class OperationActionMap
{
    private const string StoreOwnerOnly = "the store owner only (the store's file permissions decide; no key policy applies)";

    public static IReadOnlyList<OperationActions> All { get; } =
    [
        new("CreateKey", "New-EncKey", null, [],
            StoreRule: "the store owner, or anyone who can write the store; the new key gets the default policy, or the given one after the lockout check",
            Notes: "Audited as kms:CreateKey, which a policy may name for KMS compatibility; a key that does not exist yet has no policy to consult."),
        new("ImportKey", "Import-EncKey", "enctools key import", [],
            StoreRule: "as New-EncKey: material makes a new key; a key exported whole is recreated with its id, where no key has that id",
            Notes: "Audited as kms:CreateKey."),
        new("DescribeKey", "Get-EncKey", null, [new(KmsActions.DescribeKey, KeyRole.Key)],
            Notes: "Listing keys shows only those the caller may describe."),
        new("ProtectFile", "Protect-File", "enctools encrypt",
            [new(KmsActions.GenerateDataKey, KeyRole.PrimaryKey), new(KmsActions.Encrypt, KeyRole.EachAdditionalKey, "when more than one key is given")],
            WithEncryptionContext: true,
            Notes: "Checked when the data key is wrapped; a refusal wraps nothing. Verifying the result with the same keys needs kms:Decrypt."),
        new("UnprotectFile", "Unprotect-File", "enctools decrypt", [new(KmsActions.Decrypt, KeyRole.DecryptingKey)],
            WithEncryptionContext: true,
            Notes: "A key the caller may not use is skipped and reported, as an encrypted data key that cannot be decrypted (NotAllowed), naming the permission and the context."),
        new("ReEncryptFile", "Update-EncFileKey", null,
            [new(KmsActions.ReEncryptFrom, KeyRole.SourceKey), new(KmsActions.ReEncryptTo, KeyRole.DestinationKey)],
            WithEncryptionContext: true,
            Notes: "As KMS ReEncrypt: the data key moves from key to key without kms:Decrypt or kms:GenerateDataKey; kms:ReEncryptTo is checked on every new key."),
        new("EncryptData", "Protect-EncData", "enctools data encrypt", [new(KmsActions.Encrypt, KeyRole.EachKey)],
            WithEncryptionContext: true,
            Notes: "As KMS Encrypt, for data in memory: every key is checked before any is used; a refusal wraps nothing."),
        new("DecryptData", "Unprotect-EncData", "enctools data decrypt", [new(KmsActions.Decrypt, KeyRole.DecryptingKey)],
            WithEncryptionContext: true,
            Notes: "As Unprotect-File: a key the caller may not use is skipped and reported (NotAllowed)."),
        new("GenerateDataKey", "New-EncDataKey", "enctools data datakey", [new(KmsActions.GenerateDataKey, KeyRole.Key, "without -WithoutPlaintext")],
            WithEncryptionContext: true,
            Notes: "Decrypting the CiphertextBlob later (Unprotect-EncData) needs kms:Decrypt."),
        new("GenerateDataKeyWithoutPlaintext", "New-EncDataKey", "enctools data datakey", [new(KmsActions.GenerateDataKeyWithoutPlaintext, KeyRole.Key, "-WithoutPlaintext, --without-plaintext")],
            WithEncryptionContext: true),
        new("ReEncryptData", "Update-EncData", "enctools data reencrypt",
            [new(KmsActions.ReEncryptFrom, KeyRole.SourceKey), new(KmsActions.ReEncryptTo, KeyRole.DestinationKey)],
            WithEncryptionContext: true,
            Notes: "As KMS ReEncrypt: header only, the plaintext is never decrypted; kms:ReEncryptTo is checked on every new key."),
        new("GetFileInfo", "Get-EncFileInfo", "enctools info", [],
            StoreRule: "none: it reads the file's header and names the store's keys of its encrypted data keys; it unwraps nothing"),
        new("ListAliases", "Get-EncKeyAlias", null, [new(KmsActions.ListAliases, KeyRole.Key)],
            Notes: "Listing shows only aliases of keys that allow it."),
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
        new("EnableKeyRotation", "Set-EncKey", null, [new(KmsActions.EnableKeyRotation, KeyRole.Key, "-RotationEnabled $true or -RotationPeriodInDays")]),
        new("DisableKeyRotation", "Set-EncKey", null, [new(KmsActions.DisableKeyRotation, KeyRole.Key, "-RotationEnabled $false")]),
        new("SetMinimumDecryptionVersion", "Set-EncKey", null, [new(KmsActions.DisableKey, KeyRole.Key, "-MinimumDecryptionVersion")],
            Notes: "Ours: it disables (or re-enables) old versions of the key, so it needs what disabling the key needs."),
        new("RotateKeyOnDemand", "Invoke-EncKeyRotation", null, [new(KmsActions.RotateKeyOnDemand, KeyRole.Key)]),
        new("RewrapAfterRotation", "Invoke-EncKeyRotation", null,
            [new(KmsActions.ReEncryptFrom, KeyRole.SourceKey), new(KmsActions.ReEncryptTo, KeyRole.DestinationKey)],
            WithEncryptionContext: true,
            Notes: "-Rewrap: each file's data key moves from the old version to the new one, as Update-EncFileKey does (the old and the new key are the same key)."),
        new("ListKeyRotations", "Get-EncKeyRotation", null, [new(KmsActions.ListKeyRotations, KeyRole.Key)]),
        new("ScheduleKeyDeletion", "Remove-EncKey", null, [new(KmsActions.ScheduleKeyDeletion, KeyRole.Key)],
            Notes: "When the pending window has passed, the next call destroys the key and its grants; that is audited as KeyMaterialDestroyed."),
        new("CancelKeyDeletion", "Restore-EncKey", null, [new(KmsActions.CancelKeyDeletion, KeyRole.Key)]),
        new("ExportKeyMaterial", "Export-EncKey", "enctools key export", [new(KmsActions.ExportKeyMaterial, KeyRole.Key)],
            Notes: "Ours: KMS never exports key material. Without -Version, every version of the key."),
        new("BackupStore", "Backup-EncKeyStore", "enctools store backup", [],
            StoreRule: "whoever holds the store's root-key protection: the backup carries every key, so no key policy applies",
            Notes: "Audited as StoreBackedUp."),
        new("RestoreStore", "Restore-EncKeyStore", "enctools store restore", [],
            StoreRule: "whoever may create the directory and open the backup (its password, or kms:Decrypt on a recipient key of the -KeyStorePath store)",
            Notes: "Audited as StoreRestored, in the restored log."),
        new("GetPublicKey", "Export-EncKey", null, [new(KmsActions.GetPublicKey, KeyRole.Key, "-PublicKeyOnly, for an RSA key")]),
        new("GetKeyPolicy", "Get-EncKeyPolicy", null, [new(KmsActions.GetKeyPolicy, KeyRole.Key)]),
        new("PutKeyPolicy", "Set-EncKeyPolicy", null, [new(KmsActions.PutKeyPolicy, KeyRole.Key)],
            Notes: "Then the lockout safety check, unless -BypassLockoutSafetyCheck. Set-EncKey -Policy needs the same, without a bypass."),
        new("TestKeyAccess", "Test-EncKeyAccess", null, [new(KmsActions.GetKeyPolicy, KeyRole.Key, "to test a principal other than the caller")],
            Notes: "Testing one's own access needs no permission."),
        new("CreateGrant", "Grant-EncKeyAccess", null, [new(KmsActions.CreateGrant, KeyRole.Key)],
            Notes: "From the policy, or from a grant that includes CreateGrant (then only for its own operations and an equally strict constraint)."),
        new("ListGrants", "Get-EncKeyGrant", null, [new(KmsActions.ListGrants, KeyRole.Key)],
            Notes: "Without -KeyId, only grants of keys that allow it are listed."),
        new("RevokeGrant", "Revoke-EncKeyAccess", null, [new(KmsActions.RevokeGrant, KeyRole.Key)]),
        new("RetireGrant", "Remove-EncKeyGrant", null, [],
            StoreRule: "the grant decides, not the policy: its retiring principal, its grantee if it includes RetireGrant, or the store owner",
            Notes: "Audited as kms:RetireGrant."),
        new("CheckCompliance", "Test-EncryptionCompliance", null,
            [new(KmsActions.DescribeKey, KeyRole.Key), new(KmsActions.GetKeyPolicy, KeyRole.Key), new(KmsActions.ListGrants, KeyRole.Key)],
            Notes: "Read-only: it reports, and changes nothing."),
        new("GetAuditEvents", "Get-EncAuditEvent", null, [], StoreRule: StoreOwnerOnly,
            Notes: "Reading the log is not itself recorded, so that reading the evidence never changes it."),
        new("VerifyAuditLog", "Test-EncAuditLog", null, [], StoreRule: StoreOwnerOnly,
            Notes: "Not itself recorded."),
        new("GetStoreInfo", "Get-EncKeyStore", "enctools store info", [], StoreRule: "none: it describes the store, not a key"),
        new("CreateStore", "New-EncKeyStore", "enctools store init", [], StoreRule: "whoever may create the directory: a new store belongs to its creator"),
        new("SetStoreProtection", "Set-EncKeyStore", null, [], StoreRule: "whoever holds the store's root-key protection (the current password, if one is set)"),
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

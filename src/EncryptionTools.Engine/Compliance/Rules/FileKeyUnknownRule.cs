using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1002: no key of the store made any of the file's data keys.</summary>
internal sealed class FileKeyUnknownRule() : FileRule(RuleId, "FileKeyUnknown", ComplianceSeverity.High,
    "An encrypted file has no data key made by a key of the store (nor by an AWS KMS key): nobody can open it with this store.",
    "Import the wrapping key with Import-EncKey, or check the file against the store that made it (-StorePath).")
{
    public const string RuleId = "ET1002";

    public override bool NeedsKeys => true;

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        if (!file.KeysKnown || file.Known.Count > 0) return;
        var identities = file.Entry.Keys;
        // A file that names an AWS KMS key is opened through KMS, not the store: ET1011 to ET1014 judge those keys.
        if (identities.Any(i => i.ProviderId == Keyrings.AwsKmsArn.ProviderId)) return;
        var first = identities.Count > 0 ? identities[0] : null;
        Remediation remediation;
        if (first is not null && first.ProviderId == LocalKeyStore.DefaultKeyNamespace && KeyIds.TryParseVersionKeyName(first.KeyName, out var keyId, out _))
            remediation = CheckAgainstOtherStore(file.Path, keyId);
        else if (first is not null)
            remediation = ImportWrappingKey(first.ProviderId, first.KeyName, context.StorePath);
        else
            remediation = ComplianceRemediations.InspectFile(file.Path);
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"No key of the store '{context.Source.Location}' made any of the file's data keys ({string.Join(", ", identities.Take(10).Select(i => UntrustedText.Neutralize(i.ToString(), 160)))}{(identities.Count > 10 ? $" and {identities.Count - 10} more" : "")}): it cannot be opened with this store.",
            remediation);
    }

    /// <summary>For a file made by another store's key: check it against that store.</summary>
    public static Remediation CheckAgainstOtherStore(string path, string keyId) =>
        new(ComplianceRemediations.Command("Test-EncryptionCompliance", null, ComplianceRemediations.Text("LiteralPath", path),
            ComplianceRemediations.Placeholder("StorePath", $"<the store that holds key {keyId}>")));

    public static Remediation ImportWrappingKey(string keyNamespace, string keyName, string? storePath) =>
        new(ComplianceRemediations.Command("Import-EncKey", storePath, ComplianceRemediations.Text("KeyNamespace", keyNamespace),
            ComplianceRemediations.Text("KeyName", keyName), ComplianceRemediations.Placeholder("KeyMaterialBase64", "<the wrapping key, base64>")));
}

using EncryptionTools.Engine.Files;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>
/// ET1015: an encrypted file has no data key for any of the profile's recovery keys (RequireRecoveryKey), so losing the
/// machine whose store holds its keys would lose it. Judged from the header alone: an AWS KMS recovery key by the key
/// ARN in its EDK (an alias ARN is resolved once per run through KMS), an RSA recipient by its rsa-spki-sha256 identity.
/// </summary>
internal sealed class FileRecoveryKeyMissingRule() : FileRule(RuleId, "FileRecoveryKeyMissing", ComplianceSeverity.High,
    "An encrypted file cannot be opened by any of the profile's recovery keys (RequireRecoveryKey): losing the store that holds its keys would lose it.",
    "Add a recovery key to the file with Update-EncFileKey -AddKeyId (an AWS KMS key ARN) or Update-EncFileKey -RecipientPublicKey (an RSA recipient's PEM file); the body is not re-encrypted.")
{
    public const string RuleId = "ET1015";

    /// <summary>Each recovery key with the key ARN its EDKs carry (an alias ARN resolved through KMS); null until the first file.</summary>
    private List<(RecoveryKey Key, string? KeyArn)>? _keys;
    private bool _skipped;

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        var required = context.Profile.RequireRecoveryKey;
        if (required.Count == 0 || _skipped || file.Entry.Kind != MessageKind.Committing) return;
        if ((_keys ??= Resolve(required, context)) is not { } keys)
        {
            _skipped = true;
            return;
        }
        var identities = file.Entry.Keys;
        if (identities.Any(i => keys.Any(k => k.Key.Matches(i, k.KeyArn)))) return;
        var first = required[0];
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file cannot be opened by any recovery key of the profile ({string.Join(", ", required.Select(k => k.ToString()))}): "
            + $"its keys are {string.Join(", ", identities.Take(10).Select(i => UntrustedText.Neutralize(i.ToString(), 160)))}{(identities.Count > 10 ? $" and {identities.Count - 10} more" : "")}.",
            first.Kind == RecoveryKeyKind.AwsKms ? AddKmsRecoveryKey(file.Path, first.Identity, context.StorePath) : AddRecipientRecoveryKey(file.Path, first.PemPath, context.StorePath),
            first.Kind == RecoveryKeyKind.AwsKms ? first.Identity : null);
    }

    /// <summary>The recovery keys with the key ARN of each alias ARN; null (and the rule not evaluated) when an alias cannot be resolved.</summary>
    private List<(RecoveryKey, string?)>? Resolve(IReadOnlyList<RecoveryKey> required, ComplianceContext context)
    {
        var keys = new List<(RecoveryKey, string?)>();
        foreach (var key in required)
        {
            if (key.Kind != RecoveryKeyKind.AwsKms || !Keyrings.AwsKmsArn.TryParse(key.Identity, out var arn) || !arn.IsAlias)
            {
                keys.Add((key, null));
                continue;
            }
            var facts = context.Kms.Describe(key.Identity);
            if (facts is not { Outcome: KmsKeyOutcome.Described, Status: { } status })
            {
                var why = facts.Outcome == KmsKeyOutcome.NotChecked ? "AWS KMS support is not loaded in this process" : $"{facts.ErrorId}: {facts.Problem}";
                context.Skip($"the recovery key {key.Identity} is an alias ARN, and KMS could not resolve it to its key ARN ({why}); name the key ARN in RequireRecoveryKey", this);
                return null;
            }
            keys.Add((key, status.KeyArn));
        }
        return keys;
    }

    public static Remediation AddKmsRecoveryKey(string path, string keyArn, string? storePath) =>
        new(ComplianceRemediations.Command("Update-EncFileKey", storePath, ComplianceRemediations.Text("LiteralPath", path), ComplianceRemediations.Text("AddKeyId", keyArn)));

    public static Remediation AddRecipientRecoveryKey(string path, string? pemPath, string? storePath) =>
        new(ComplianceRemediations.Command("Update-EncFileKey", storePath, ComplianceRemediations.Text("LiteralPath", path),
            pemPath is null
                ? ComplianceRemediations.Placeholder("RecipientPublicKey", "<the recovery key's PEM public key file>")
                : ComplianceRemediations.Text("RecipientPublicKey", pemPath)));
}

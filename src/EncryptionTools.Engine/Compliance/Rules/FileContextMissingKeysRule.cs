using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Files;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1008: a message whose encryption context lacks keys the profile requires.</summary>
internal sealed class FileContextMissingKeysRule() : FileRule(RuleId, "FileContextMissingKeys", ComplianceSeverity.Medium,
    "An encrypted file's encryption context lacks keys the profile requires (RequiredEncryptionContextKeys).",
    "Decrypt it and encrypt it again with Protect-File -EncryptionContext naming every required key.")
{
    public const string RuleId = "ET1008";

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        var required = context.Profile.RequiredEncryptionContextKeys;
        if (file.Entry.Kind != MessageKind.Committing || required.Count == 0) return;
        var encryptionContext = file.Entry.Header!.EncryptionContext;
        var missing = required.Where(k => !encryptionContext.ContainsKey(k)).ToList();
        if (missing.Count == 0) return;
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file's encryption context {UntrustedText.Neutralize(AccessEvaluator.FormatContext(encryptionContext), 1024)} lacks the required key(s) {string.Join(", ", missing)}. "
            + "The context is authenticated, so the file must be decrypted and encrypted again.",
            ReEncryptWithContext(file.Path, context.Profile.KeyId, encryptionContext, required, context.StorePath));
    }

    /// <summary>Decrypt in place, then encrypt again with the required context keys (the existing pairs kept).</summary>
    public static Remediation ReEncryptWithContext(string path, string? keyId, IReadOnlyDictionary<string, string> existingContext,
        IReadOnlyList<string> requiredContextKeys, string? storePath) =>
        new(ComplianceRemediations.Command("Unprotect-File", storePath, ComplianceRemediations.Text("LiteralPath", path), RemediationArgument.Switch("InPlace")),
            ComplianceRemediations.ProtectFileCommand(path, keyId, existingContext, requiredContextKeys, storePath));
}

using EncryptionTools.Engine.Files;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1001: a file that must be encrypted is not a message (every scanned file, or those the profile's PathsThatMustBeEncrypted match).</summary>
internal sealed class FileNotEncryptedRule() : FileRule(RuleId, "FileNotEncrypted", ComplianceSeverity.High,
    "A file that must be encrypted is not an AWS Encryption SDK message.",
    "Encrypt it in place with Protect-File -InPlace (with the profile's key and encryption context).")
{
    public const string RuleId = "ET1001";

    private GlobPattern[]? _mustBeEncrypted;

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        if (file.Entry.Kind != MessageKind.NotAMessage) return;
        var globs = _mustBeEncrypted ??= [.. context.Profile.PathsThatMustBeEncrypted.Select(g => new GlobPattern(g))];
        var relative = file.Entry.RelativePath;
        if (globs.Length != 0 && !globs.Any(g => g.IsMatch(relative))) return;
        context.Report(this, ComplianceTargetKind.File, file.Path,
            globs.Length == 0
                ? "The file is not encrypted."
                : $"The file is not encrypted, and it matches PathsThatMustBeEncrypted ({string.Join(", ", globs.Where(g => g.IsMatch(relative)).Select(g => g.Pattern))}).",
            ComplianceRemediations.ProtectFile(file.Path, context.Profile.KeyId, null, context.Profile.RequiredEncryptionContextKeys, context.StorePath));
    }
}

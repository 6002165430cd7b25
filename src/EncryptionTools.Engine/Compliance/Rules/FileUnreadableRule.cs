using EncryptionTools.Engine.Files;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1010: a file that could not be read, or whose message header is damaged.</summary>
internal sealed class FileUnreadableRule() : FileRule(RuleId, "FileUnreadable", ComplianceSeverity.Medium,
    "A file could not be read, or starts like an encrypted message but its header is damaged.",
    "Inspect it with Get-EncFileInfo; restore it from a backup if it is damaged.")
{
    public const string RuleId = "ET1010";

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        var entry = file.Entry;
        if (entry.Kind is not (MessageKind.Malformed or MessageKind.Unreadable)) return;
        context.Report(this, ComplianceTargetKind.File, file.Path,
            entry.Kind == MessageKind.Malformed
                ? $"The file starts like an encrypted message but its header is damaged: {entry.Sniff.Detail}"
                : $"The file could not be read: {entry.Sniff.Detail}",
            ComplianceRemediations.InspectFile(file.Path));
    }
}

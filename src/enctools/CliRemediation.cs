using System.Globalization;
using System.Text;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Compliance;

namespace EncryptionTools.Cli;

/// <summary>
/// A compliance finding's remediation as enctools commands, rendered from its commands as data (never from the
/// PowerShell text), or as the AWS CLI calls they are for a KMS key. A remediation with a step the CLI cannot do
/// (policies, grants, Set-EncKey, store protection) is given whole in PowerShell, labelled so.
/// </summary>
internal static class CliRemediation
{
    /// <summary>The fix line: its label ("fix" or "fix (PowerShell)") and its command line.</summary>
    public static (string Label, string Text) Render(ComplianceFinding finding)
    {
        var commands = new List<string>();
        foreach (var command in finding.RemediationCommands)
        {
            if (Command(command) is not { } line) return ("fix (PowerShell)", finding.Remediation);
            commands.Add(line);
        }
        return commands.Count == 0 ? ("fix", finding.Remediation) : ("fix", string.Join(" && ", commands));
    }

    /// <summary>One command in enctools terms, or null when the CLI has no equivalent for it or one of its arguments.</summary>
    internal static string? Command(RemediationCommand command)
    {
        var args = command.Arguments;
        string? Value(string name) => args.FirstOrDefault(a => a.Name == name)?.Value;
        bool Only(params string[] names) => args.All(a => a.Name is not null && (names.Contains(a.Name) || a.Name == "StorePath"));
        string Store() => Value("StorePath") is { } s ? " --store " + Quote(s) : "";

        switch (command.Command)
        {
            case "Protect-File" when Only("LiteralPath", "InPlace", "KeyId", "EncryptionContext") && Value("LiteralPath") is { } path:
                var context = args.FirstOrDefault(a => a.Name == "EncryptionContext")?.Entries ?? [];
                return "enctools encrypt " + Quote(path) + (args.Any(a => a.Name == "InPlace") ? " --in-place" : "")
                    + (Value("KeyId") is { } keyId ? " -k " + Quote(keyId) : "")
                    + string.Concat(context.Select(e => " -c " + Quote(e.Key + "=" + e.Value))) + Store();
            case "Unprotect-File" when Only("LiteralPath", "InPlace") && Value("LiteralPath") is { } path:
                return "enctools decrypt " + Quote(path) + (args.Any(a => a.Name == "InPlace") ? " --in-place" : "") + Store();
            case "Get-EncFileInfo" when Only("LiteralPath") && Value("LiteralPath") is { } path:
                return "enctools info " + Quote(path) + Store();
            case "Test-EncryptionCompliance" when Only("LiteralPath") && Value("LiteralPath") is { } path:
                return "enctools compliance " + Quote(path) + Store();
            case "Update-EncFileKey" when Only("LiteralPath", "KeyId") && Value("LiteralPath") is { } path && Value("KeyId") is { } key:
                return "enctools rewrap " + Quote(path) + " -k " + Quote(key) + Store();
            case "Enable-EncKey" when Only("KeyId") && Value("KeyId") is { } key:
                return "enctools key enable " + Quote(key) + Store();
            case "Restore-EncKey" when Only("KeyId") && Value("KeyId") is { } key:
                return "enctools key cancel-deletion " + Quote(key) + Store();
            case "Invoke-EncKeyRotation" when Only("KeyId") && Value("KeyId") is { } key:
                return "enctools key rotate " + Quote(key) + Store();
            case "Remove-EncKeyAlias" when Only("AliasName") && Value("AliasName") is { } alias:
                return "enctools alias delete " + Quote(alias) + Store();
            // KMS keys are managed with the AWS CLI: its line is a shell line already, each word quoted for POSIX here.
            case "aws" when args.All(a => a.Name is null && a.Value is not null):
                return "aws " + string.Join(' ', args.Select(a => Quote(a.Value!)));
            case "chmod" when args.Count == 2 && args[0].Kind == RemediationArgumentKind.Number && args[1].Value is { } file:
                return "chmod " + Convert.ToString(long.Parse(args[0].Value!, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + Quote(file);
            default:
                return null;
        }
    }

    /// <summary>
    /// One POSIX shell word whose value is exactly <paramref name="text"/>: bare when plain, else single-quoted, and
    /// $'...' with escapes when it holds characters that must not reach the terminal raw (file names are data).
    /// </summary>
    internal static string Quote(string text)
    {
        if (text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "_@%+=:,./-".Contains(c))) return text;
        static bool Escaped(char c) => UntrustedText.NeedsEscape(c) && !char.IsSurrogate(c);
        if (!text.Any(Escaped)) return "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var sb = new StringBuilder("$'");
        foreach (var c in text)
        {
            if (c is '\\' or '\'') sb.Append('\\').Append(c);
            else if (Escaped(c)) sb.Append(c < 0x80 ? $"\\x{(int)c:X2}" : $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }
}

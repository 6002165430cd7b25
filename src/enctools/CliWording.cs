using System.Text.RegularExpressions;

namespace EncryptionTools.Cli;

/// <summary>
/// The engine's messages are shared with the module and name its cmdlets and parameters in their advice
/// ("Use -Force to overwrite it"). The CLI says the same in its own commands and flags; advice with no CLI
/// equivalent (policies, grants, Set-EncKey) stays as written, since the module does it.
/// </summary>
internal static partial class CliWording
{
    private static readonly (Regex Pattern, string Replacement)[] Rules =
    [
        // Whole pieces of advice first, then commands with arguments, then lone parameters.
        (Exact("Use -Force to overwrite it."), "Pass --force to overwrite it."),
        (Exact("use -Force (--force) to"), "use --force to"),
        (Exact("or -Recurse on the common directory"), "or --recursive on the common directory"),
        (Exact("use -Recurse to process the files under it"), "use --recursive (-r) to process the files under it"),
        (Exact("with -Destination or -Suffix"), "with --output or --suffix"),
        (Exact("InPlace replaces each file under its own name; it cannot be combined with a Destination."),
            "--in-place replaces each file under its own name; it cannot be combined with --output."),
        (Exact("Give a Destination, or the Suffix it uses."), "Give --output, or the --suffix it uses."),
        (Exact("(Unprotect-File, then Protect-File)"), "(enctools decrypt, then enctools encrypt)"),
        (Exact("with Protect-File"), "with enctools encrypt"),
        (Exact("Get-EncKey lists the keys and Get-EncKeyAlias the aliases."), "'enctools key list' lists the keys and 'enctools alias list' the aliases."),
        (Exact("Use Set-EncKeyAlias to re-point it."), "Use 'enctools alias set' to re-point it."),
        (Exact("New-EncKeyAlias creates it; Get-EncKeyAlias lists aliases."), "'enctools alias create' creates it; 'enctools alias list' lists aliases."),
        (Exact("(New-EncKey -Exportable)"), "(enctools key create --exportable)"),
        (Exact("(named by -StorePath or --store)"), "(named by --store)"),
        (new Regex(@"New-EncKeyStore -LiteralPath '(?:[^']|'')*' \((enctools store init --store [^)]+)\), or with New-EncKey\.", Options), "$1."),
        (new Regex(@"Run Unlock-EncKeyStore -StorePath '(?:[^']|'')*' \(it prompts for the password\), or set the environment variable (\S+) for unattended runs\.", Options),
            "Set the environment variable $1 to its password."),
        (new Regex(@"Restore-EncKey -KeyId (\S+?)(?=[.,;]?(?:\s|$))", Options), "enctools key cancel-deletion $1"),
        (new Regex(@"Enable-EncKey -KeyId (\S+?)(?=[.,;]?(?:\s|$))", Options), "enctools key enable $1"),
        (Exact("Enable-EncKey"), "enctools key enable"),
        (Exact("-Protection File or -Protection Password"), "--protection File or --protection Password"),
        (new Regex(@"\b([Uu])se -StorePath\b", Options), "$1se --store"),
        (new Regex(@"(?<=\s|\()-Force\b", Options), "--force"),
        (new Regex(@"(?<=\s|\()-Recurse\b", Options), "--recursive"),
    ];

    private const RegexOptions Options = RegexOptions.CultureInvariant;

    private static Regex Exact(string text) => new(Regex.Escape(text), Options);

    /// <summary>The message with the module's advice said as enctools commands and flags.</summary>
    public static string Speak(string? message)
    {
        if (string.IsNullOrEmpty(message)) return message ?? "";
        foreach (var (pattern, replacement) in Rules) message = pattern.Replace(message, replacement);
        return message;
    }
}

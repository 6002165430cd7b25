using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EncryptionTools.Engine.Compliance;

/// <summary>How a remediation argument's value is given.</summary>
public enum RemediationArgumentKind
{
    /// <summary>A string, always passed as one quoted literal argument whatever characters it holds.</summary>
    Text,
    /// <summary>A string that names something (key id, alias, grant id): bare when PowerShell reads the bare word as exactly it, else quoted.</summary>
    Word,
    /// <summary>A switch parameter: present, no value.</summary>
    Switch,
    /// <summary>An integer.</summary>
    Number,
    /// <summary>$true or $false.</summary>
    Boolean,
    /// <summary>A list of strings (e.g. -Operation Decrypt,Encrypt).</summary>
    List,
    /// <summary>A hashtable of string pairs (e.g. -EncryptionContext).</summary>
    Hashtable,
    /// <summary>A value the user must supply; <see cref="RemediationArgument.Value"/> describes it ('&lt;value&gt;').</summary>
    Placeholder,
    /// <summary>A fixed PowerShell expression written by the product (never text from data), e.g. a Read-Host call.</summary>
    Expression,
}

/// <summary>One pair of a hashtable argument; <see cref="IsPlaceholder"/> when the value is for the user to supply.</summary>
public sealed record RemediationEntry(string Key, string Value, bool IsPlaceholder = false);

/// <summary>One argument of a remediation command: a named parameter (or a positional argument when Name is null) and its value.</summary>
public sealed record RemediationArgument
{
    /// <summary>The parameter's name without the dash; null for a positional argument.</summary>
    public string? Name { get; init; }
    public RemediationArgumentKind Kind { get; init; }
    /// <summary>Text, Number, Boolean ("true"/"false"), Placeholder and Expression values.</summary>
    public string? Value { get; init; }
    /// <summary>List values.</summary>
    public IReadOnlyList<string>? Values { get; init; }
    /// <summary>Hashtable pairs, in order.</summary>
    public IReadOnlyList<RemediationEntry>? Entries { get; init; }

    public static RemediationArgument Text(string? name, string value) => new() { Name = name, Kind = RemediationArgumentKind.Text, Value = value };
    public static RemediationArgument Word(string? name, string value) => new() { Name = name, Kind = RemediationArgumentKind.Word, Value = value };
    public static RemediationArgument Switch(string name) => new() { Name = name, Kind = RemediationArgumentKind.Switch };
    public static RemediationArgument Number(string? name, long value) =>
        new() { Name = name, Kind = RemediationArgumentKind.Number, Value = value.ToString(CultureInfo.InvariantCulture) };
    public static RemediationArgument Boolean(string name, bool value) => new() { Name = name, Kind = RemediationArgumentKind.Boolean, Value = value ? "true" : "false" };
    public static RemediationArgument List(string name, IEnumerable<string> values) => new() { Name = name, Kind = RemediationArgumentKind.List, Values = values.ToList() };
    public static RemediationArgument Hashtable(string name, IEnumerable<RemediationEntry> entries) => new() { Name = name, Kind = RemediationArgumentKind.Hashtable, Entries = entries.ToList() };
    public static RemediationArgument Placeholder(string? name, string description) => new() { Name = name, Kind = RemediationArgumentKind.Placeholder, Value = description };
    internal static RemediationArgument Expression(string name, string expression) => new() { Name = name, Kind = RemediationArgumentKind.Expression, Value = expression };
}

/// <summary>One command of a remediation: its name and its arguments, as data. <see cref="ToString"/> is the command line.</summary>
public sealed record RemediationCommand(string Command, IReadOnlyList<RemediationArgument> Arguments)
{
    public override string ToString() => PowerShellQuoting.Render(this);
}

/// <summary>What fixes a finding: one or more commands, run in order. <see cref="Text"/> is their PowerShell command line.</summary>
internal sealed record Remediation(IReadOnlyList<RemediationCommand> Commands)
{
    public Remediation(params RemediationCommand[] commands) : this((IReadOnlyList<RemediationCommand>)commands) { }

    /// <summary>The commands as one PowerShell line (separated by "; "), each argument quoted by <see cref="PowerShellQuoting"/>.</summary>
    public string Text => string.Join("; ", Commands.Select(PowerShellQuoting.Render));

    public override string ToString() => Text;
}

/// <summary>
/// Renders remediation data as PowerShell source. Every string goes through <see cref="Quote"/>, so a value is always
/// exactly one literal argument: no quote character of any kind, no '$', backtick or control character in it can end
/// the string, start an expression or reach the terminal raw.
/// </summary>
public static partial class PowerShellQuoting
{
    /// <summary>The characters PowerShell treats as a single quote: ' ‘ ’ ‚ ‛.</summary>
    public const string SingleQuotes = "'\u2018\u2019\u201A\u201B";
    /// <summary>The characters PowerShell treats as a double quote: " “ ” „.</summary>
    public const string DoubleQuotes = "\"\u201C\u201D\u201E";

    /// <summary>
    /// A PowerShell string literal whose value is exactly <paramref name="text"/>. Single-quoted with every kind of
    /// single quote doubled; when the text holds characters that must not be printed raw (controls, bidi overrides,
    /// line separators), double-quoted with each of those written as a `u{...} escape and ` $ and every kind of
    /// double quote escaped with a backtick.
    /// </summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var printable = true;
        foreach (var c in text)
            if (UntrustedText.NeedsEscape(c) && !char.IsSurrogate(c)) { printable = false; break; }
        var sb = new StringBuilder(text.Length + 2);
        if (printable)
        {
            sb.Append('\'');
            foreach (var c in text)
            {
                if (SingleQuotes.Contains(c, StringComparison.Ordinal)) sb.Append(c);
                sb.Append(c);
            }
            return sb.Append('\'').ToString();
        }
        sb.Append('"');
        foreach (var c in text)
        {
            if (c == '`' || c == '$' || DoubleQuotes.Contains(c, StringComparison.Ordinal)) sb.Append('`').Append(c);
            else if (UntrustedText.NeedsEscape(c) && !char.IsSurrogate(c)) sb.Append("`u{").Append(((int)c).ToString("X", CultureInfo.InvariantCulture)).Append('}');
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A key id, alias or similar as an argument: bare when it is plainly a word PowerShell reads as that string, else quoted.</summary>
    public static string Argument(string text) => BareWord().IsMatch(text) || Guid().IsMatch(text) ? text : Quote(text);

    /// <summary>One command line: the command name, then each argument.</summary>
    public static string Render(RemediationCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!CommandName().IsMatch(command.Command))
            throw new ArgumentException($"'{command.Command}' is not a command name a remediation may use.", nameof(command));
        var sb = new StringBuilder(command.Command);
        foreach (var a in command.Arguments)
        {
            if (a.Name is not null)
            {
                if (!ParameterName().IsMatch(a.Name)) throw new ArgumentException($"'{a.Name}' is not a parameter name.", nameof(command));
                sb.Append(" -").Append(a.Name);
            }
            if (a.Kind == RemediationArgumentKind.Switch) continue;
            sb.Append(' ').Append(a.Kind switch
            {
                RemediationArgumentKind.Text => Quote(a.Value!),
                RemediationArgumentKind.Word => Argument(a.Value!),
                RemediationArgumentKind.Number => long.Parse(a.Value!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
                RemediationArgumentKind.Boolean => a.Value == "true" ? "$true" : "$false",
                RemediationArgumentKind.List => string.Join(",", a.Values!.Select(Argument)),
                RemediationArgumentKind.Hashtable => "@{ " + string.Join("; ", a.Entries!.Select(e => $"{Quote(e.Key)} = {Quote(e.Value)}")) + " }",
                RemediationArgumentKind.Placeholder => Quote(a.Value!),
                RemediationArgumentKind.Expression => a.Value!,
                _ => throw new ArgumentOutOfRangeException(nameof(command)),
            });
        }
        return sb.ToString();
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_/-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex BareWord();

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Guid();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*(-[A-Za-z][A-Za-z0-9]*)?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CommandName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();
}

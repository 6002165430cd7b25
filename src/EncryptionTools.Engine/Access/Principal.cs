using System.Globalization;
using System.Text.RegularExpressions;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// An OS identity named in a policy, a grant or the audit log. The string form is the documented grammar:
/// <code>
/// principal := "*" | "user:" name | "uid:" number | "group:" name | "gid:" number | "sid:" windows-sid
/// name      := 1..256 characters; no control characters, no ':' '*' '?', no leading or trailing white space
/// number    := decimal 0..4294967295, no sign, no leading zeros
/// windows-sid := "S-1-" authority ("-" sub-authority)+      (written upper-case; parsed in any case)
/// </code>
/// The prefix is parsed in any case and written in lower case. Names keep their case: on Linux and macOS they
/// match exactly, on Windows without regard to case (as the OS does). Principals name no wildcard other than <c>*</c>.
/// </summary>
public sealed partial record Principal
{
    public const int MaxNameLength = 256;

    private Principal(PrincipalKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    public PrincipalKind Kind { get; }
    /// <summary>The part after the prefix (empty for <c>*</c>).</summary>
    public string Value { get; }

    public static Principal Anyone { get; } = new(PrincipalKind.Anyone, "");

    public static Principal User(string name) => new(PrincipalKind.User, CheckName(name, "user:" + name));
    public static Principal Group(string name) => new(PrincipalKind.Group, CheckName(name, "group:" + name));
    public static Principal Uid(uint uid) => new(PrincipalKind.Uid, uid.ToString(CultureInfo.InvariantCulture));
    public static Principal Gid(uint gid) => new(PrincipalKind.Gid, gid.ToString(CultureInfo.InvariantCulture));
    public static Principal Sid(string sid) => new(PrincipalKind.Sid, CheckSid(sid, "sid:" + sid));

    /// <summary>The numeric id of a uid: or gid: principal.</summary>
    public uint? NumericId => Kind is PrincipalKind.Uid or PrincipalKind.Gid ? uint.Parse(Value, CultureInfo.InvariantCulture) : null;

    public static Principal Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "*") return Anyone;
        var colon = text.IndexOf(':');
        if (colon <= 0) throw new InvalidPrincipalException(text, "it has no 'kind:' prefix");
        var prefix = text[..colon].ToLowerInvariant();
        var value = text[(colon + 1)..];
        return prefix switch
        {
            "user" => new Principal(PrincipalKind.User, CheckName(value, text)),
            "group" => new Principal(PrincipalKind.Group, CheckName(value, text)),
            "uid" => Uid(ParseId(value, text)),
            "gid" => Gid(ParseId(value, text)),
            "sid" => new Principal(PrincipalKind.Sid, CheckSid(value, text)),
            _ => throw new InvalidPrincipalException(text, $"the prefix '{text[..colon]}' is not one of user, uid, group, gid, sid"),
        };
    }

    public static bool TryParse(string? text, out Principal? principal)
    {
        principal = null;
        if (text is null) return false;
        try
        {
            principal = Parse(text);
            return true;
        }
        catch (InvalidPrincipalException)
        {
            return false;
        }
    }

    public override string ToString() => Kind switch
    {
        PrincipalKind.Anyone => "*",
        PrincipalKind.User => "user:" + Value,
        PrincipalKind.Uid => "uid:" + Value,
        PrincipalKind.Group => "group:" + Value,
        PrincipalKind.Gid => "gid:" + Value,
        PrincipalKind.Sid => "sid:" + Value,
        _ => throw new InvalidOperationException(),
    };

    private static string CheckName(string name, string text)
    {
        if (string.IsNullOrEmpty(name)) throw new InvalidPrincipalException(text, "the name is empty");
        if (name.Length > MaxNameLength) throw new InvalidPrincipalException(text, $"the name is longer than {MaxNameLength} characters");
        if (char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1])) throw new InvalidPrincipalException(text, "the name starts or ends with white space");
        foreach (var c in name)
        {
            if (char.IsControl(c)) throw new InvalidPrincipalException(text, "the name contains a control character");
            if (c is ':' or '*' or '?') throw new InvalidPrincipalException(text, $"the name contains '{c}'");
        }
        return name;
    }

    private static uint ParseId(string value, string text)
    {
        if (!IdRx().IsMatch(value) || !uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw new InvalidPrincipalException(text, "the id is not a decimal number from 0 to 4294967295 without leading zeros");
        return id;
    }

    private static string CheckSid(string value, string text)
    {
        var m = SidRx().Match(value);
        if (!m.Success) throw new InvalidPrincipalException(text, "the SID is not of the form S-1-<authority>-<sub-authority>...");
        if (!ulong.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var authority) || authority >= 1UL << 48)
            throw new InvalidPrincipalException(text, "the SID's identifier authority is out of range");
        foreach (Capture c in m.Groups[2].Captures)
            if (!uint.TryParse(c.Value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw new InvalidPrincipalException(text, "a SID sub-authority is out of range");
        if (m.Groups[2].Captures.Count > 15) throw new InvalidPrincipalException(text, "a SID has at most 15 sub-authorities");
        return "S" + value[1..];
    }

    [GeneratedRegex("^(?:0|[1-9][0-9]{0,9})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdRx();

    [GeneratedRegex("^[sS]-1-([0-9]{1,15})(-[0-9]{1,10})+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SidRx();
}

using System.Globalization;
using System.Text;

namespace EncryptionTools.Engine.Compliance;

/// <summary>A value read from a PowerShell data file, with the line it starts on (0 when it did not come from a file).</summary>
internal sealed record PsdValue(object? Value, int Line)
{
    /// <summary>A hashtable's entries (keys compare without regard to case, as in PowerShell), in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, PsdValue>>? Entries => Value as IReadOnlyList<KeyValuePair<string, PsdValue>>;
    public IReadOnlyList<PsdValue>? Items => Value as IReadOnlyList<PsdValue>;
}

/// <summary>
/// The subset of the PowerShell data-file language (.psd1) a compliance profile needs, parsed without PowerShell:
/// <c>@{ key = value; ... }</c> hashtables (keys bare words or quoted), <c>@( ... )</c> arrays and comma lists,
/// 'single' quoted strings ('' is a quote), "double" quoted strings (backtick escapes; no variables or sub-expressions),
/// integer and decimal numbers, <c>$true</c>, <c>$false</c>, <c>$null</c>, and <c>#</c> and <c>&lt;# #&gt;</c> comments.
/// Anything else is an error naming the line. Hashtable values are <see cref="PsdValue"/>s: <c>Entries</c> for a hashtable,
/// <c>Items</c> for an array, else string, long, double, bool or null.
/// </summary>
internal sealed class PowerShellDataFile
{
    private readonly string _text;
    private readonly string _source;
    private int _pos;
    private int _line = 1;

    private PowerShellDataFile(string text, string source)
    {
        _text = text;
        _source = source;
    }

    public static PsdValue ParseFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ComplianceProfileException($"The compliance profile '{path}' cannot be read: {ex.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses a document whose top level is one hashtable.</summary>
    public static PsdValue Parse(string text, string source = "profile")
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new PowerShellDataFile(text.TrimStart('\uFEFF'), source);
        parser.SkipTrivia(newlines: true);
        if (!parser.At("@{")) throw parser.Error("a data file must contain one hashtable, @{ ... }");
        var value = parser.ParseValue();
        parser.SkipTrivia(newlines: true);
        if (parser._pos < parser._text.Length) throw parser.Error($"unexpected '{parser.Peek()}' after the hashtable");
        return value;
    }

    private ComplianceProfileException Error(string what, int? line = null) =>
        new($"{_source}, line {line ?? _line}: {what}.", null, line ?? _line);

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';
    private bool At(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private void Advance()
    {
        if (_text[_pos] == '\n') _line++;
        _pos++;
    }

    /// <summary>Skips white space and comments; with <paramref name="newlines"/> also line breaks.</summary>
    private void SkipTrivia(bool newlines)
    {
        while (_pos < _text.Length)
        {
            var c = Peek();
            if (c == '\n' && !newlines) return;
            if (char.IsWhiteSpace(c)) { Advance(); continue; }
            if (c == '`' && (Peek(1) == '\n' || (Peek(1) == '\r' && Peek(2) == '\n'))) { Advance(); continue; } // line continuation
            if (At("<#"))
            {
                var start = _line;
                while (_pos < _text.Length && !At("#>")) Advance();
                if (_pos >= _text.Length) throw Error("a <# comment is not closed", start);
                _pos += 2;
                continue;
            }
            if (c == '#')
            {
                while (_pos < _text.Length && Peek() != '\n') _pos++;
                continue;
            }
            return;
        }
    }

    private PsdValue ParseValue()
    {
        SkipTrivia(newlines: false);
        var first = ParseSingle();
        SkipTrivia(newlines: false);
        if (Peek() != ',') return first;
        // A comma list: a, b, c (an array, as in PowerShell).
        var items = new List<PsdValue> { first };
        while (Peek() == ',')
        {
            Advance();
            SkipTrivia(newlines: true);
            items.Add(ParseSingle());
            SkipTrivia(newlines: false);
        }
        return new PsdValue(items, first.Line);
    }

    private PsdValue ParseSingle()
    {
        SkipTrivia(newlines: false);
        var line = _line;
        if (_pos >= _text.Length) throw Error("the document ends where a value was expected");
        if (At("@{")) return ParseHashtable();
        if (At("@(")) return ParseArray();
        var c = Peek();
        if (c == '\'') return new PsdValue(ParseSingleQuoted(), line);
        if (c == '"') return new PsdValue(ParseDoubleQuoted(), line);
        if (c == '$') return ParseVariable();
        if (char.IsAsciiDigit(c) || ((c == '-' || c == '+' || c == '.') && char.IsAsciiDigit(Peek(1)))) return ParseNumber();
        throw Error($"'{Word()}' is not a value a data file may hold (use a quoted string, a number, $true, $false, $null, @( ) or @{{ }})");
    }

    private string Word()
    {
        var start = _pos;
        var end = start;
        while (end < _text.Length && !char.IsWhiteSpace(_text[end]) && _text[end] is not (';' or ',' or '}' or ')')) end++;
        return end == start ? _text[start].ToString() : _text[start..end];
    }

    private PsdValue ParseHashtable()
    {
        var line = _line;
        _pos += 2;
        var entries = new List<KeyValuePair<string, PsdValue>>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipTrivia(newlines: true);
            while (Peek() == ';') { Advance(); SkipTrivia(newlines: true); }
            if (_pos >= _text.Length) throw Error("a hashtable @{ is not closed", line);
            if (Peek() == '}') { Advance(); break; }
            var keyLine = _line;
            string key;
            if (Peek() == '\'') key = ParseSingleQuoted();
            else if (Peek() == '"') key = ParseDoubleQuoted();
            else
            {
                var start = _pos;
                while (_pos < _text.Length && (char.IsLetterOrDigit(Peek()) || Peek() is '_' or '-' or '.')) _pos++;
                if (_pos == start) throw Error($"'{Word()}' is not a hashtable key");
                key = _text[start.._pos];
            }
            SkipTrivia(newlines: false);
            if (Peek() != '=') throw Error($"the key '{key}' must be followed by '='", keyLine);
            Advance();
            SkipTrivia(newlines: true);
            var value = ParseValue();
            if (!seen.Add(key)) throw new ComplianceProfileException($"{_source}, line {keyLine}: the key '{key}' appears twice in one hashtable.", key, keyLine);
            entries.Add(new(key, value with { Line = keyLine }));
            SkipTrivia(newlines: false);
            if (Peek() is ';' or '\n' or '\r' or '}') continue;
            if (_pos >= _text.Length) continue;
            throw Error($"unexpected '{Word()}' after the value of '{key}' (separate entries with a new line or ';')");
        }
        return new PsdValue(entries, line);
    }

    private PsdValue ParseArray()
    {
        var line = _line;
        _pos += 2;
        var items = new NestedArray();
        while (true)
        {
            SkipTrivia(newlines: true);
            if (_pos >= _text.Length) throw Error("an array @( is not closed", line);
            if (Peek() == ')') { Advance(); break; }
            if (Peek() is ',' or ';') { Advance(); continue; }
            var value = ParseValue();
            if (value.Items is { } list && value.Value is List<PsdValue> && !IsNestedArrayLiteral(value)) items.AddRange(list);
            else items.Add(value);
        }
        return new PsdValue(items, line);
    }

    // A comma list inside @( ) flattens into the array, as PowerShell does; an explicit @( ) inside stays one item.
    private static bool IsNestedArrayLiteral(PsdValue value) => value.Value is NestedArray;

    private sealed class NestedArray : List<PsdValue>;

    private string ParseSingleQuoted()
    {
        var line = _line;
        Advance();
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("a 'string is not closed", line);
            var c = Peek();
            if (c is '\'' or '\u2018' or '\u2019')
            {
                if (Peek(1) is '\'' or '\u2018' or '\u2019') { sb.Append('\''); _pos += 2; continue; }
                Advance();
                return sb.ToString();
            }
            sb.Append(c);
            Advance();
        }
    }

    private string ParseDoubleQuoted()
    {
        var line = _line;
        Advance();
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("a \"string is not closed", line);
            var c = Peek();
            if (c == '"')
            {
                if (Peek(1) == '"') { sb.Append('"'); _pos += 2; continue; }
                Advance();
                return sb.ToString();
            }
            if (c == '`')
            {
                var e = Peek(1);
                sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', 'a' => '\a', 'b' => '\b', 'f' => '\f', 'v' => '\v', 'e' => '\u001b', _ => e });
                Advance();
                Advance();
                continue;
            }
            if (c == '$' && (char.IsLetter(Peek(1)) || Peek(1) is '{' or '(' or '_'))
                throw Error("a data file cannot expand variables or sub-expressions in a \"string\"; use a 'single-quoted' string");
            sb.Append(c);
            Advance();
        }
    }

    private PsdValue ParseVariable()
    {
        var line = _line;
        var start = _pos;
        Advance();
        while (_pos < _text.Length && (char.IsLetterOrDigit(Peek()) || Peek() == '_')) _pos++;
        var name = _text[start.._pos];
        return name switch
        {
            _ when name.Equals("$true", StringComparison.OrdinalIgnoreCase) => new PsdValue(true, line),
            _ when name.Equals("$false", StringComparison.OrdinalIgnoreCase) => new PsdValue(false, line),
            _ when name.Equals("$null", StringComparison.OrdinalIgnoreCase) => new PsdValue(null, line),
            _ => throw Error($"the variable {name} is not allowed in a data file (only $true, $false and $null are)"),
        };
    }

    private PsdValue ParseNumber()
    {
        var line = _line;
        var start = _pos;
        if (Peek() is '-' or '+') _pos++;
        while (_pos < _text.Length && (char.IsAsciiDigit(Peek()) || Peek() is '.' or 'e' or 'E' || (Peek() is '-' or '+' && _text[_pos - 1] is 'e' or 'E'))) _pos++;
        var text = _text[start.._pos];
        if (_pos < _text.Length && char.IsLetter(Peek())) throw Error($"'{Word()}' is not a number this parser reads (no suffixes such as KB or d)");
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return new PsdValue(l, line);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return new PsdValue(d, line);
        throw Error($"'{text}' is not a number");
    }
}

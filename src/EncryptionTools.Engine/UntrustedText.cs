using System.Globalization;
using System.Text;

namespace EncryptionTools.Engine;

/// <summary>
/// Text that came from a file (header fields, context pairs, file names) made safe to print: control, format and
/// line-separator characters are written as escapes (\x1B, \u202E) so none reaches a terminal, and the length is capped
/// so a hostile field cannot flood the output. The one place where untrusted text is made printable.
/// </summary>
public static class UntrustedText
{
    /// <summary>Default cap for one field (provider id, key name, context key or value).</summary>
    public const int FieldLength = 256;

    /// <summary>Default cap for a whole message.</summary>
    public const int MessageLength = 4096;

    /// <summary>
    /// Escapes every character that could steer a terminal (C0 and C1 controls, DEL, Unicode format characters such as
    /// bidi overrides, line and paragraph separators, lone surrogates) and cuts the result to at most about
    /// <paramref name="maxLength"/> characters, saying how many were left out. With <paramref name="keepNewlines"/>,
    /// '\n' stays (for our own multi-line messages, whose untrusted parts were neutralized as fields).
    /// </summary>
    public static string Neutralize(string? text, int maxLength = FieldLength, bool keepNewlines = false)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        if (maxLength < 16) maxLength = 16;
        if (text.Length <= maxLength && IsClean(text, keepNewlines)) return text;
        var sb = new StringBuilder(Math.Min(text.Length, maxLength) + 32);
        var i = 0;
        for (; i < text.Length && sb.Length < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var cp = char.ConvertToUtf32(c, text[i + 1]);
                if (IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(cp))) sb.Append("\\u{").Append(cp.ToString("X", CultureInfo.InvariantCulture)).Append('}');
                else sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (c == '\n' && keepNewlines) { sb.Append(c); continue; }
            if (NeedsEscape(c)) sb.Append(c <= 0xFF ? $"\\x{(int)c:X2}" : $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        if (i < text.Length) sb.Append($"…(+{text.Length - i} characters)");
        return sb.ToString();
    }

    private static bool IsClean(string text, bool keepNewlines)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= 0x20 && c < 0x7F) continue;
            if (c == '\n' && keepNewlines) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1])))) return false;
                i++;
                continue;
            }
            if (NeedsEscape(c)) return false;
        }
        return true;
    }

    /// <summary>True for a UTF-16 unit that must not be printed as it is.</summary>
    public static bool NeedsEscape(char c) => char.IsSurrogate(c) || IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(c));

    private static bool IsUnsafe(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate
        or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
}

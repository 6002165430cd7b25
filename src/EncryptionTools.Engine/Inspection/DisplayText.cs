namespace EncryptionTools.Engine.Inspection;

/// <summary>Text from files or the store, made safe to show: control characters (ESC, BEL, CR, NUL...) become U+FFFD.</summary>
public static class DisplayText
{
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        return string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? '\uFFFD' : source[i];
        });
    }
}

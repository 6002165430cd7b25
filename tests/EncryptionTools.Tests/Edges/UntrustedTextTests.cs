using System.Globalization;
using EncryptionTools.Engine;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Edges;

public class UntrustedTextTests
{
    private static bool Unsafe(char c) => char.IsSurrogate(c) || Unsafe(CharUnicodeInfo.GetUnicodeCategory(c));

    private static bool Unsafe(UnicodeCategory category) => category is UnicodeCategory.Control
        or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>Any code point a terminal would act on, or a lone surrogate.</summary>
    private static bool HasUnsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (Unsafe(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1])))) return true;
                i++;
                continue;
            }
            if (Unsafe(text[i])) return true;
        }
        return false;
    }

    [Theory]
    [InlineData("\u001b]0;title\u0007", "\\x1B]0;title\\x07")]
    [InlineData("ok\r\nfake: decrypted", "ok\\x0D\\x0Afake: decrypted")]
    [InlineData("a\u0000b", "a\\x00b")]
    [InlineData("\u202Etxt.exe", "\\u202Etxt.exe")]
    [InlineData("\u009b31m", "\\x9B31m")]
    [InlineData("plain text, ünïcödé", "plain text, ünïcödé")]
    public void Control_and_format_characters_are_escaped(string input, string expected) =>
        Assert.Equal(expected, UntrustedText.Neutralize(input));

    [Fact]
    public void Newlines_stay_only_when_asked_and_length_is_capped_with_a_count()
    {
        Assert.Equal("a\nb\\x0D", UntrustedText.Neutralize("a\nb\r", keepNewlines: true));
        var capped = UntrustedText.Neutralize(new string('x', 100_000), 64);
        Assert.StartsWith(new string('x', 64), capped, StringComparison.Ordinal);
        Assert.EndsWith("(+99936 characters)", capped, StringComparison.Ordinal);
    }

    [Fact]
    public void No_unsafe_character_survives_and_the_output_is_bounded()
    {
        var chars = Gen.Frequency((1, Gen.Choose(0, 0xFFFF).Select(i => (char)i)), (1, Gen.Elements("\u001b\u0007\r\n\u0000\u202E\u2028\uD83D\uDE00".ToCharArray())));
        Prop.ForAll(chars.ArrayOf().Select(a => new string(a)).ToArbitrary(), Gen.Choose(16, 300).ToArbitrary(), (text, max) =>
        {
            var safe = UntrustedText.Neutralize(text, max);
            Assert.False(HasUnsafe(safe), safe);
            Assert.True(safe.Length <= max + 12 + 40, $"{safe.Length} > {max}");
            if (text.Length <= max && !HasUnsafe(text) && !text.Any(c => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned))
                Assert.Equal(text, safe);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }
}

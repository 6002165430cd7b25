using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Streaming;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Engine;

/// <summary>Serialization of the encryption context (structures.md) and its refusal of malformed input.</summary>
public class EncryptionContextTests
{
    [Fact]
    public void Empty_context_serializes_to_no_bytes_and_a_zero_header_length()
    {
        Assert.Empty(EncryptionContext.Serialize(new Dictionary<string, string>()));
        Assert.Empty(EncryptionContext.Deserialize([]));

        using var keyring = Crypt.AesKeyring();
        var m = Crypt.Encrypt([1, 2, 3], [keyring]);
        // version(1) suite(2) message id(32), then the context length at 35: zero, and the EDK count right after it.
        Assert.Equal(0, Spec.ReadU16(m, 35));
        Assert.Equal(1, Spec.ReadU16(m, 37));
        Assert.Equal(0, MessageLayout.Parse(m).Context.Length);
    }

    [Fact]
    public void Pairs_are_sorted_by_utf8_bytes_not_utf16_code_units()
    {
        const string fullwidthTilde = "\uFF5E"; // UTF-8 EF BD 9E, UTF-16 FF5E
        const string grinning = "\U0001F600";   // UTF-8 F0 9F 98 80, UTF-16 D83D DE00
        Assert.True(string.CompareOrdinal(grinning, fullwidthTilde) < 0, "premise: UTF-16 order puts the emoji first");

        var context = new Dictionary<string, string> { [grinning] = "b", [fullwidthTilde] = "a", ["a"] = "y", ["B"] = "x" };
        var expected = Convert.FromHexString(
            "0004" +
            "0001" + "42" + "0001" + "78" +             // "B" = "x"
            "0001" + "61" + "0001" + "79" +             // "a" = "y"
            "0003" + "efbd9e" + "0001" + "61" +         // U+FF5E = "a"
            "0004" + "f09f9880" + "0001" + "62");       // U+1F600 = "b"
        Assert.Equal(expected, EncryptionContext.Serialize(context));
        Assert.Equal(expected, Spec.SerializeContext(context));
        Assert.Equal(context, EncryptionContext.Deserialize(expected));
    }

    [Theory]
    [InlineData("aws-crypto-public-key")]
    [InlineData("aws-crypto-")]
    [InlineData("aws-crypto-anything")]
    public void Reserved_prefix_is_refused_on_encrypt(string key)
    {
        var context = new Dictionary<string, string> { [key] = "v", ["ok"] = "v" };
        Assert.Throws<InvalidEncryptionContextException>(() => EncryptionContext.ValidateForEncrypt(context));
        using var keyring = Crypt.AesKeyring();
        using var output = new MemoryStream();
        Assert.Throws<InvalidEncryptionContextException>(() =>
            MessageEncryptor.Encrypt(new MemoryStream([1]), output, [keyring], new EncryptOptions { EncryptionContext = context }));
        Assert.Equal(0, output.Length);
    }

    [Theory]
    [InlineData("aws-crypto")]
    [InlineData("aws-cryptography")]
    [InlineData("x-aws-crypto-")]
    public void Only_the_exact_reserved_prefix_is_refused(string key)
    {
        var context = new Dictionary<string, string> { [key] = "v" };
        using var keyring = Crypt.AesKeyring();
        var m = Crypt.Encrypt([9], [keyring], new EncryptOptions { EncryptionContext = context });
        using var output = new MemoryStream();
        Assert.Equal("v", MessageDecryptor.Decrypt(new MemoryStream(m), output, [keyring]).Header.EncryptionContext[key]);
    }

    [Fact]
    public void Text_that_is_not_valid_unicode_is_refused_on_encrypt()
    {
        Assert.Throws<InvalidEncryptionContextException>(() =>
            EncryptionContext.ValidateForEncrypt(new Dictionary<string, string> { ["lone"] = "\uD800" }));
        Assert.Throws<InvalidEncryptionContextException>(() =>
            EncryptionContext.ValidateForEncrypt(new Dictionary<string, string> { ["\uDC00x"] = "v" }));
    }

    [Fact]
    public void Context_too_large_for_the_header_is_refused()
    {
        // 2 + 4 + 1 + 65530 = 65537 bytes: two over the uint16 field.
        var context = new Dictionary<string, string> { ["k"] = new string('v', 65530) };
        Assert.Throws<InvalidEncryptionContextException>(() => EncryptionContext.ValidateForEncrypt(context));
        var fits = new Dictionary<string, string> { ["k"] = new string('v', 65528) };
        Assert.Equal(65535, EncryptionContext.Serialize(fits).Length);
    }

    private static byte[] K(string s) => Encoding.UTF8.GetBytes(s);

    public static TheoryData<string, string> MalformedFields => new()
    {
        { "duplicate key", Convert.ToHexString(Spec.SerializeContextInOrder([(K("a"), K("1")), (K("a"), K("2"))])) },
        { "unsorted", Convert.ToHexString(Spec.SerializeContextInOrder([(K("b"), K("1")), (K("a"), K("2"))])) },
        { "utf16 order", Convert.ToHexString(Spec.SerializeContextInOrder([(K("\U0001F600"), K("1")), (K("\uFF5E"), K("2"))])) },
        { "zero pairs", "0000" },
        { "count too high", "0002" + "0001" + "61" + "0001" + "31" },
        { "trailing byte", Convert.ToHexString(Spec.SerializeContextInOrder([(K("a"), K("1"))])) + "00" },
        { "one byte", "01" },
        { "invalid utf8 key", "0001" + "0001" + "ff" + "0001" + "61" },
        { "invalid utf8 value", "0001" + "0001" + "61" + "0002" + "c328" },
        { "overlong utf8", "0001" + "0002" + "c0af" + "0001" + "61" },
    };

    [Theory]
    [MemberData(nameof(MalformedFields))]
    public void Malformed_serialized_contexts_are_refused(string why, string hex)
    {
        Must.FailTyped(() => EncryptionContext.Deserialize(Convert.FromHexString(hex)), why, typeof(MessageTamperedException));
    }

    [Fact]
    public void Every_truncation_of_a_serialized_context_is_refused()
    {
        var full = EncryptionContext.Serialize(new Dictionary<string, string> { ["alpha"] = "1", ["beta"] = "two", ["\u00e9t\u00e9"] = "\U0001F600" });
        for (var n = 1; n < full.Length; n++)
            Must.FailTyped(() => EncryptionContext.Deserialize(full[..n]), $"cut at {n}", typeof(MessageTamperedException));
    }

    /// <summary>Refusal holds on the decrypt path too, for a message whose unsorted context is correctly authenticated.</summary>
    [Fact]
    public void Authenticated_message_with_unsorted_context_is_refused()
    {
        var hand = HandMessage.For([1, 2, 3], 64);
        hand.RawContext = Spec.SerializeContextInOrder([(K("b"), K("1")), (K("a"), K("2"))]);
        using var keyring = hand.Keyring();
        using var output = new MemoryStream();
        Must.FailTyped(() => MessageDecryptor.Decrypt(new MemoryStream(hand.Build()), output, [keyring]), "unsorted", typeof(MessageTamperedException));
        Assert.Equal(0, output.Length);
    }

    /// <summary>Text from many scripts and planes, never a lone surrogate.</summary>
    internal static Gen<string> UnicodeText(int maxLength) =>
        Gen.Frequency(
                (4, Gen.Choose(0x20, 0x7E)),
                (2, Gen.Choose(0xA0, 0x7FF)),
                (2, Gen.Choose(0x800, 0xD7FF)),
                (1, Gen.Choose(0xE000, 0xFFFD)),
                (2, Gen.Choose(0x10000, 0x10FFFF)),
                (1, Gen.Elements(0xFF5E, 0x1F600, 0x0, 0xFFFF)))
            .Select(char.ConvertFromUtf32)
            .ListOf()
            .Select(list => string.Concat(list.Take(maxLength)));

    internal static Gen<Dictionary<string, string>> Contexts(int maxPairs) =>
        Gen.Zip(UnicodeText(12).Where(k => k.Length > 0 && !k.StartsWith("aws-crypto-", StringComparison.Ordinal)), UnicodeText(20))
            .ListOf()
            .Select(pairs =>
            {
                var d = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in pairs.Take(maxPairs)) d[k] = v;
                return d;
            });

    [Fact]
    public void Property_serialize_then_deserialize_is_identity_and_keys_ascend_in_utf8_order()
    {
        Prop.ForAll(Contexts(8).ToArbitrary(), context =>
        {
            var bytes = EncryptionContext.Serialize(context);
            Assert.Equal(Spec.SerializeContext(context), bytes);
            var back = EncryptionContext.Deserialize(bytes);
            Assert.Equal(context.OrderBy(kv => kv.Key, StringComparer.Ordinal), back.OrderBy(kv => kv.Key, StringComparer.Ordinal));
            if (context.Count == 0) { Assert.Empty(bytes); return; }
            // Walk the bytes by hand: the count, then strictly ascending keys.
            Assert.Equal(context.Count, Spec.ReadU16(bytes, 0));
            var p = 2;
            byte[]? previous = null;
            for (var i = 0; i < context.Count; i++)
            {
                var kl = Spec.ReadU16(bytes, p);
                var key = bytes[(p + 2)..(p + 2 + kl)];
                p += 2 + kl;
                p += 2 + Spec.ReadU16(bytes, p);
                if (previous is not null) Assert.True(Spec.CompareBytes(previous, key) < 0, "keys ascend in UTF-8 byte order");
                previous = key;
            }
            Assert.Equal(bytes.Length, p);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}

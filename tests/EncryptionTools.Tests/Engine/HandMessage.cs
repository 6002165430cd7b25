using System.Security.Cryptography;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Tests.Engine;

internal sealed record HandFrame(uint Sequence, bool Final, byte[] Plaintext)
{
    /// <summary>What the final frame's length field says, when it should lie about the authenticated length.</summary>
    public uint? DeclaredLength { get; init; }
}

/// <summary>
/// A message built entirely by the test from <see cref="Spec"/>, with one raw AES EDK. Every field can be set
/// to something hostile while the message stays correctly authenticated, so the engine's structural checks
/// are tested on their own, not only through a failing tag.
/// </summary>
internal sealed class HandMessage
{
    public ushort SuiteId { get; set; } = Spec.Suite0478;
    public byte[] MessageId { get; set; } = RandomNumberGenerator.GetBytes(32);
    public byte[] DataKey { get; set; } = RandomNumberGenerator.GetBytes(32);
    public List<KeyValuePair<string, string>> Context { get; set; } = [];
    /// <summary>Replaces the serialized context (header field and wrapping AAD) verbatim.</summary>
    public byte[]? RawContext { get; set; }
    public byte[] WrappingKey { get; set; } = RandomNumberGenerator.GetBytes(32);
    public string Namespace { get; set; } = "hand";
    public string KeyName { get; set; } = "hand-key";
    public byte ContentType { get; set; } = 2;
    public uint FrameLength { get; set; } = 64;
    public List<HandFrame> Frames { get; set; } = [];
    public ECDsa? Signer { get; set; }
    /// <summary>Signed suite only: the context's public key entry; null = the signer's real key; "" = no entry.</summary>
    public string? PublicKeyEntry { get; set; }

    public RawAesKeyring Keyring() => new(Namespace, KeyName, WrappingKey);

    public static HandMessage For(byte[] plaintext, uint frameLength, bool emptyFinalOnMultiple = false)
    {
        var m = new HandMessage { FrameLength = frameLength };
        uint seq = 1;
        var offset = 0;
        while (plaintext.Length - offset > frameLength || (emptyFinalOnMultiple && plaintext.Length - offset == frameLength))
        {
            m.Frames.Add(new HandFrame(seq++, false, plaintext[offset..(offset + (int)frameLength)]));
            offset += (int)frameLength;
        }
        m.Frames.Add(new HandFrame(seq, true, plaintext[offset..]));
        return m;
    }

    public byte[] SerializedContext()
    {
        if (RawContext is not null) return RawContext;
        var pairs = new List<KeyValuePair<string, string>>(Context);
        if (SuiteId == Spec.Suite0578 && PublicKeyEntry != "")
            pairs.Add(new("aws-crypto-public-key", PublicKeyEntry ?? Spec.CompressedPoint(Signer!)));
        return Spec.SerializeContext(pairs);
    }

    public byte[] HeaderBody()
    {
        var ctx = SerializedContext();
        var (info, wrapped) = Spec.AesWrap(WrappingKey, KeyName, DataKey, ctx);
        var ns = Spec.Utf8(Namespace);
        return Spec.Concat(
            [0x02], Spec.U16(SuiteId), MessageId,
            Spec.U16(ctx.Length), ctx,
            Spec.U16(1), Spec.U16(ns.Length), ns, Spec.U16(info.Length), info, Spec.U16(wrapped.Length), wrapped,
            [ContentType], Spec.U32(FrameLength), Spec.CommitKey(DataKey, MessageId));
    }

    public byte[] Build()
    {
        if (SuiteId == Spec.Suite0578) Signer ??= ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var key = Spec.DeriveKey(SuiteId, DataKey, MessageId);
        var body = HeaderBody();
        var parts = new List<byte[]> { body, Spec.HeaderTag(key, body) };
        foreach (var f in Frames)
        {
            var iv = Spec.FrameIv(f.Sequence);
            var (ct, tag) = Spec.GcmEncrypt(key, iv, f.Plaintext, Spec.FrameAad(MessageId, f.Final, f.Sequence, (ulong)f.Plaintext.Length));
            if (f.Final)
                parts.AddRange([Spec.U32(0xFFFFFFFF), Spec.U32(f.Sequence), iv, Spec.U32(f.DeclaredLength ?? (uint)f.Plaintext.Length), ct, tag]);
            else
                parts.AddRange([Spec.U32(f.Sequence), iv, ct, tag]);
        }
        var message = Spec.Concat([.. parts]);
        if (SuiteId != Spec.Suite0578) return message;
        var signature = Signer!.SignHash(SHA384.HashData(message), DSASignatureFormat.Rfc3279DerSequence);
        return Spec.Concat(message, Spec.U16(signature.Length), signature);
    }
}

using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Operations;

/// <summary>
/// What New-EncDataKey (KMS GenerateDataKey) returns: the 256-bit data key (null for WithoutPlaintext), the message that
/// holds it encrypted under the key (Unprotect-EncData -AsByteArray returns the same 32 bytes), the key and the context.
/// </summary>
public sealed record EncDataKey(byte[]? Plaintext, byte[] CiphertextBlob, string KeyId, string KeyArn, IReadOnlyDictionary<string, string> EncryptionContext)
{
    /// <summary>The key spec of the data key, as KMS names it.</summary>
    public string KeySpec => "AES_256";

    /// <summary>Never the plaintext: a data key printed by accident stays secret.</summary>
    public override string ToString() => $"EncDataKey {KeyId} ({CiphertextBlob.Length} bytes of ciphertext)";
}

/// <summary>
/// The KMS data plane for data in memory (Protect-EncData, Unprotect-EncData, New-EncDataKey, Update-EncData and
/// <c>enctools data</c>): the same message engine, keyrings, key resolution, policy checks and audit log as files,
/// over memory streams. Each operation's key uses are recorded before its result is returned. The session (one per
/// cmdlet invocation or CLI run) owns the keyrings and wipes them.
/// </summary>
public sealed class DataOperations(FileOperations session)
{
    /// <summary>A data key is 256 bits, as the suite's.</summary>
    public const int DataKeyLength = 32;

    /// <summary>Encrypt writes signed messages (suite 0x0578, ECDSA P-384), as <see cref="EncryptOptions.Signed"/>; data keys are never signed.</summary>
    public bool Signed { get; set; }

    /// <summary>Resolves the keys once, so a key that cannot be used fails before any input is read.</summary>
    public void ResolveKeys(FileKeys keys) => session.EncryptKeyrings(keys);

    /// <summary>KMS Encrypt: the plaintext as a standard message under <paramref name="keys"/>, checked as kms:Encrypt on each store key.</summary>
    public byte[] Encrypt(Stream plaintext, FileKeys keys, IReadOnlyDictionary<string, string>? context, CancellationToken cancellationToken = default) =>
        Encrypt(plaintext, keys, context, KmsActions.Encrypt, cancellationToken, Signed).Message;

    private (byte[] Message, IReadOnlyList<IKeyring> Keyrings) Encrypt(Stream plaintext, FileKeys keys, IReadOnlyDictionary<string, string>? context,
        string action, CancellationToken cancellationToken, bool signed = false)
    {
        var keyrings = session.EncryptKeyrings(keys);
        Serve(keyrings, new StoreFileContext { WrapAction = action });
        session.ServeExternal(null);
        using var output = new MemoryStream();
        MessageEncryptor.Encrypt(plaintext, output, keyrings, new EncryptOptions { EncryptionContext = context ?? EncryptionContext.Empty, Signed = signed }, cancellationToken);
        session.FlushAuditRecords();
        return (output.ToArray(), keyrings);
    }

    /// <summary>
    /// KMS Decrypt: the keys are found from the message's EDKs (only <paramref name="restrictTo"/> when given), each checked
    /// as kms:Decrypt. The plaintext is returned only once the whole message authenticated, the context held every
    /// expected pair and the key use was recorded; the caller disposes the buffer, which wipes it.
    /// </summary>
    public SecretBuffer Decrypt(byte[] message, IReadOnlyList<string>? restrictTo, IReadOnlyDictionary<string, string>? expectedContext,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var keyrings = session.DecryptKeyrings(restrictTo);
        Serve(keyrings, new StoreFileContext());
        session.ServeExternal(null);
        var output = new SecretBuffer(Math.Min(message.Length, 1024 * 1024));
        try
        {
            using var input = new MemoryStream(message, writable: false);
            MessageDecryptor.Decrypt(input, output, keyrings, new DecryptOptions { RequiredEncryptionContext = expectedContext }, cancellationToken);
            session.FlushAuditRecords(); // not recorded: not released
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>
    /// KMS GenerateDataKey (or ...WithoutPlaintext): a fresh 256-bit data key and a message that holds it under
    /// <paramref name="keyId"/>, which Decrypt turns back into the same 32 bytes.
    /// </summary>
    public EncDataKey GenerateDataKey(string keyId, IReadOnlyDictionary<string, string>? context, bool withoutPlaintext,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        var dataKey = GC.AllocateArray<byte>(DataKeyLength, pinned: true);
        try
        {
            RandomNumberGenerator.Fill(dataKey);
            using var input = new MemoryStream(dataKey, writable: false);
            var action = withoutPlaintext ? KmsActions.GenerateDataKeyWithoutPlaintext : KmsActions.GenerateDataKey;
            var (blob, keyrings) = Encrypt(input, new FileKeys { KeyIds = [keyId] }, context, action, cancellationToken);
            var (id, arn) = FileOperations.IsExternalKey(keyId) ? ExternalKeyOf(blob) : keyrings.OfType<IStoreKeyring>().SelectMany(k => k.EncryptingKeys).Select(k => (k.KeyId, k.Arn)).First();
            return new EncDataKey(withoutPlaintext ? null : dataKey.ToArray(), blob, id, arn,
                new Dictionary<string, string>(context ?? EncryptionContext.Empty, StringComparer.Ordinal));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// KMS ReEncrypt, header only: the data key moves from the message's keys (only <paramref name="sourceKeyIds"/> when
    /// given; kms:ReEncryptFrom) to <paramref name="destination"/> (kms:ReEncryptTo on each), so the caller never sees the
    /// plaintext. The context, message id, commitment and body stay; the header is rebuilt with the new EDKs and a new tag.
    /// </summary>
    public byte[] ReEncrypt(byte[] message, FileKeys destination, IReadOnlyList<string>? sourceKeyIds,
        IReadOnlyDictionary<string, string>? expectedContext)
    {
        ArgumentNullException.ThrowIfNull(message);
        var limits = MessageLimits.Default;
        MessageHeader header;
        using (var input = new MemoryStream(message, writable: false)) header = MessageHeader.Read(input, limits);
        if (header.Suite.IsSigned)
            throw new EncryptionToolsException(ErrorCatalog.RewrapSignedMessage,
                "The message is signed (algorithm suite 0x0578, ECDSA P-384). Its signature covers the header, so its keys cannot change " +
                "without the original signer, whose private key is not kept by anyone. Decrypt it and encrypt it again to change its keys.");
        var source = session.DecryptKeyrings(sourceKeyIds);
        Serve(source, new StoreFileContext { ReEncrypt = true });
        var targets = session.EncryptKeyrings(destination);
        Serve(targets, new StoreFileContext { ReEncrypt = true });
        session.ServeExternal(null);

        var suite = header.Suite;
        var serializedContext = EncryptionContext.Serialize(header.EncryptionContext);
        var (dataKey, _) = MessageDecryptor.UnwrapDataKey(header, source, serializedContext);
        byte[]? key = null;
        try
        {
            key = MessageCrypto.DeriveEncryptionKey(suite, dataKey, header.MessageId);
            var commitKey = MessageCrypto.DeriveCommitKey(suite, dataKey, header.MessageId);
            if (!CryptographicOperations.FixedTimeEquals(commitKey, header.CommitKey))
                throw new MessageTamperedException("The message's key commitment does not match its data key: it was altered; nothing was re-encrypted.");
            if (!MessageCrypto.VerifyHeader(suite, key, header.BodyBytes, header.AuthTag))
                throw new MessageTamperedException("The message header failed authentication: it was altered; nothing was re-encrypted.");
            EncryptionContext.RequirePairs(header.EncryptionContext, expectedContext);

            var edks = new List<EncryptedDataKey>();
            foreach (var keyring in targets) edks.AddRange(keyring.Wrap(dataKey, serializedContext));
            if (edks.Count > limits.MaxEncryptedDataKeys)
                throw new MessageLimitExceededException($"The message would get {edks.Count} encrypted data keys; at most {limits.MaxEncryptedDataKeys} are accepted.");
            var body = MessageHeader.SerializeBody(suite, header.MessageId, header.EncryptionContext, edks, header.FrameLength, header.CommitKey);
            var tag = MessageCrypto.HeaderAuthTag(suite, key, body);
            session.FlushAuditRecords();
            var rest = message.AsSpan(header.TotalLength);
            var result = new byte[body.Length + tag.Length + rest.Length];
            body.CopyTo(result, 0);
            tag.CopyTo(result, body.Length);
            rest.CopyTo(result.AsSpan(body.Length + tag.Length));
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            if (key is not null) CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The key that made an external key's data key message: its key ARN as the EDK names it (an alias resolved by the service), and the key id in it.</summary>
    private static (string KeyId, string Arn) ExternalKeyOf(byte[] message)
    {
        using var input = new MemoryStream(message, writable: false);
        var edk = MessageHeader.Read(input, MessageLimits.Default).EncryptedDataKeys.First(e => !HeaderReserve.IsPadding(e));
        var arn = FileOperations.KeyOf(edk) ?? edk.ProviderId;
        return (AwsKmsArn.TryParse(arn, out var parsed) ? parsed.Resource : arn, arn);
    }

    private static void Serve(IEnumerable<IKeyring> keyrings, StoreFileContext context)
    {
        foreach (var keyring in keyrings.OfType<IStoreKeyring>()) keyring.FileContext = context;
    }

    // ---------------------------------------------------------------- text and SecureString, never as a managed string

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The longest text a SecureString holds (65,536 characters).</summary>
    public const int MaxSecureStringLength = 65536;

    /// <summary>
    /// The UTF-8 bytes of a SecureString in a pinned buffer the caller wipes (<see cref="CryptographicOperations.ZeroMemory"/>):
    /// the characters are copied from the unmanaged copy into a pinned char buffer, encoded, and both copies are wiped.
    /// </summary>
    public static byte[] Utf8Of(SecureString secure, out int length)
    {
        ArgumentNullException.ThrowIfNull(secure);
        var chars = GC.AllocateArray<char>(secure.Length, pinned: true);
        var unmanaged = IntPtr.Zero;
        try
        {
            unmanaged = Marshal.SecureStringToGlobalAllocUnicode(secure);
            Marshal.Copy(unmanaged, chars, 0, chars.Length);
            var bytes = GC.AllocateArray<byte>(Math.Max(1, StrictUtf8.GetMaxByteCount(chars.Length)), pinned: true);
            try
            {
                length = StrictUtf8.GetBytes(chars, bytes);
            }
            catch (EncoderFallbackException ex)
            {
                CryptographicOperations.ZeroMemory(bytes);
                throw new EncryptionToolsException(ErrorCatalog.InvalidDataInput,
                    "The SecureString is not valid Unicode text (it holds an unpaired surrogate).", ex);
            }
            return bytes;
        }
        finally
        {
            if (unmanaged != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(chars.AsSpan()));
        }
    }

    /// <summary>
    /// A read-only SecureString of UTF-8 plaintext: decoded into a pinned char buffer, appended character by character,
    /// and the buffer wiped; no managed string ever holds the text.
    /// </summary>
    public static SecureString ToSecureString(ReadOnlySpan<byte> utf8)
    {
        int count;
        try { count = StrictUtf8.GetCharCount(utf8); }
        catch (DecoderFallbackException ex) { throw NotText(ex); }
        if (count > MaxSecureStringLength)
            throw new EncryptionToolsException(ErrorCatalog.DataTooLongForSecureString,
                $"The plaintext is {count} characters long; a SecureString holds at most {MaxSecureStringLength}. Use -AsByteArray.");
        var chars = GC.AllocateArray<char>(Math.Max(1, count), pinned: true);
        try
        {
            StrictUtf8.GetChars(utf8, chars);
            var secure = new SecureString();
            for (var i = 0; i < count; i++) secure.AppendChar(chars[i]);
            secure.MakeReadOnly();
            return secure;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(chars.AsSpan()));
        }
    }

    /// <summary>UTF-8 plaintext as a string; text that is not UTF-8 is refused (its bytes come with -AsByteArray).</summary>
    public static string ToText(ReadOnlySpan<byte> utf8)
    {
        try { return StrictUtf8.GetString(utf8); }
        catch (DecoderFallbackException ex) { throw NotText(ex); }
    }

    /// <summary>The UTF-8 bytes of a string in a pinned buffer the caller wipes.</summary>
    public static byte[] Utf8Of(string text, out int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = GC.AllocateArray<byte>(Math.Max(1, StrictUtf8.GetMaxByteCount(text.Length)), pinned: true);
        try
        {
            length = StrictUtf8.GetBytes(text, bytes);
            return bytes;
        }
        catch (EncoderFallbackException ex)
        {
            CryptographicOperations.ZeroMemory(bytes);
            throw new EncryptionToolsException(ErrorCatalog.InvalidDataInput,
                "The string is not valid Unicode text (it holds an unpaired surrogate); give its bytes instead.", ex);
        }
    }

    /// <summary>
    /// A message given as base64 text (whitespace and line breaks allowed). Text that is not base64 is refused as not a
    /// message; the text itself is never echoed.
    /// </summary>
    public static byte[] FromBase64(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try { return Convert.FromBase64String(text.Trim()); }
        catch (FormatException)
        {
            throw new NotAnEncryptedMessageException(
                $"The input ({text.Length} characters) is not base64 text of an encrypted message (Protect-EncData's output); give the message's bytes with -InputObject or ,$bytes.");
        }
    }

    private static EncryptionToolsException NotText(Exception inner) =>
        new(ErrorCatalog.DataNotText,
            "The decrypted data is not UTF-8 text, so it cannot be returned as a string; use -AsByteArray.", inner);
}

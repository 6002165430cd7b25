using System.Collections;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// KMS Encrypt for data in memory: each string (as UTF-8), SecureString or byte[] becomes one AWS Encryption SDK message
/// (the format of Protect-File's files), output as base64 text or, with -AsByteArray, as bytes. Checked and audited as
/// kms:Encrypt on each key. The plaintext never appears in an error record, and its buffers are wiped after use.
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "EncData", SupportsShouldProcess = true, HelpUri = HelpLinks.DocsBase + "Protect-EncData.md")]
[OutputType(typeof(string), typeof(byte[]))]
public sealed class ProtectEncDataCommand : DataCmdlet
{
    /// <summary>A string, SecureString or byte[]; piped bytes are gathered into one message.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>Master keys of the store (ids, aliases, ARNs or key objects); each one gets its own EDK.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string[]? KeyId { get; set; }

    /// <summary>RSA public keys: PEM file paths, Export-EncKey -PublicKeyOnly output, or RSA EncKey objects.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? RecipientPublicKey { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? EncryptionContext { get; set; }

    /// <summary>Output the message's bytes (one byte[] object) instead of base64 text.</summary>
    [Parameter]
    public SwitchParameter AsByteArray { get; set; }

    /// <summary>Write a signed message (suite 0x0578, ECDSA P-384), as Protect-File -Signed.</summary>
    [Parameter]
    public SwitchParameter Signed { get; set; }

    private FileKeys? _keys;
    private IReadOnlyDictionary<string, string>? _context;

    protected override void ProcessRecord() => Accept(InputObject);

    protected override void ProcessItem(object? item, object? original)
    {
        byte[] bytes;
        int length;
        try
        {
            switch (item)
            {
                case string text:
                    bytes = DataOperations.Utf8Of(text, out length);
                    break;
                case SecureString secure:
                    bytes = DataOperations.Utf8Of(secure, out length);
                    break;
                case byte[] raw:
                    Protect(raw, raw.Length); // the caller's own array: theirs to keep or wipe
                    return;
                default:
                    WriteInvalidInput(item, "a string, a SecureString or a byte[] (pipe a byte[] as ,$bytes or pass it with -InputObject)");
                    return;
            }
        }
        catch (EncryptionToolsException ex)
        {
            WriteEngineError(ex, null);
            return;
        }
        try { Protect(bytes, length); }
        finally { CryptographicOperations.ZeroMemory(bytes); }
    }

    private void Protect(byte[] plaintext, int length)
    {
        var target = KeyId is { Length: > 0 } ? string.Join(", ", KeyId) : "the default key";
        if (!ShouldProcess($"{length} bytes of data", $"Encrypt under {target}")) return;
        Prepare();
        ForItem(target, () =>
        {
            using var input = new MemoryStream(plaintext, 0, length, writable: false);
            Data.Signed = Signed.IsPresent;
            WriteMessage(Data.Encrypt(input, _keys!, _context, CancellationToken), AsByteArray);
        });
    }

    /// <summary>The keys and context once, at the first item: a key that cannot be used stops the command (no item could succeed).</summary>
    private void Prepare()
    {
        if (_keys is not null) return;
        try
        {
            var (files, pems, rsaKeys) = Recipients(RecipientPublicKey);
            var keys = new FileKeys { KeyIds = [.. KeyId ?? [], .. rsaKeys], RecipientPemFiles = files, RecipientPems = pems };
            _context = Pairs(EncryptionContext) ?? Engine.Format.EncryptionContext.Empty;
            Engine.Format.EncryptionContext.ValidateForEncrypt(_context);
            Data.ResolveKeys(keys);
            _keys = keys;
        }
        catch (PSArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorCatalog.InvalidRecipientPublicKey.Id, ErrorCategory.InvalidArgument, RecipientPublicKey));
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            Terminate(ex, KeyId);
        }
    }
}

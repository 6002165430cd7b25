using System.Management.Automation;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Module;

/// <summary>
/// Base of the data-plane cmdlets (Protect-EncData, Unprotect-EncData, New-EncDataKey, Update-EncData): the file
/// cmdlets' session (keyrings made once per invocation, audited, wiped at the end) driving the in-memory route
/// <see cref="DataOperations"/>. A byte[] that PowerShell unrolled into the pipeline arrives byte by byte: consecutive
/// bytes are gathered (in a pinned buffer wiped after use) and handled as one item when a non-byte item or the end comes.
/// </summary>
public abstract class DataCmdlet : FileCmdlet
{
    private DataOperations? _data;
    private SecretBuffer? _gathered;

    protected DataOperations Data => _data ??= new DataOperations(Session);

    /// <summary>Called for each whole item: a string, SecureString, byte[] (gathered bytes included) or another object.</summary>
    protected abstract void ProcessItem(object? item, object? original);

    /// <summary>Sorts one pipeline record: a lone byte joins the gathered run; anything else ends it, then is handled.</summary>
    protected void Accept(object? input)
    {
        var value = PSObjects.Unwrap(input);
        if (value is byte b)
        {
            (_gathered ??= new SecretBuffer()).WriteByte(b);
            return;
        }
        FlushGathered();
        ProcessItem(value, input);
    }

    private void FlushGathered()
    {
        if (_gathered is null) return;
        var gathered = _gathered;
        _gathered = null;
        using (gathered)
        {
            var bytes = gathered.ToArray();
            try { ProcessItem(bytes, null); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes); }
        }
    }

    protected override void EndProcessing()
    {
        try { FlushGathered(); }
        finally
        {
            _gathered?.Dispose();
            base.EndProcessing();
        }
    }

    /// <summary>An input these cmdlets do not take: a per-item error that names its type, never its value.</summary>
    protected void WriteInvalidInput(object? value, string expected) =>
        WriteEngineError(new EncryptionToolsException(ErrorCatalog.InvalidDataInput,
            $"{MyInvocation.MyCommand.Name} does not take {(value is null ? "a null input" : "a " + value.GetType().Name)}: give {expected}."), null);

    /// <summary>Base64 text, bytes, or an object with a CiphertextBlob (New-EncDataKey's output): the message's bytes, or null after an error.</summary>
    protected byte[]? MessageBytes(object? value, object? original)
    {
        switch (value)
        {
            case byte[] bytes:
                return bytes;
            case string text:
                try { return DataOperations.FromBase64(text); }
                catch (EncryptionToolsException ex)
                {
                    WriteEngineError(ex, null);
                    return null;
                }
            case EncDataKey key:
                return key.CiphertextBlob;
        }
        if (original is PSObject ps && PSObjects.Unwrap(ps.Properties["CiphertextBlob"]?.Value) is byte[] blob) return blob;
        WriteInvalidInput(value, "base64 text or the bytes of a message (Protect-EncData's output)");
        return null;
    }

    /// <summary>A message as this cmdlet outputs it: base64 text, or the bytes as one byte[] object.</summary>
    protected void WriteMessage(byte[] message, bool asByteArray)
    {
        if (asByteArray) WriteObject(message, enumerateCollection: false);
        else WriteObject(Convert.ToBase64String(message));
    }
}

using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Records in the store's hash-chained audit log each call a session's external keyrings make (AWS KMS), with the
/// service's request id, so a local record can be matched to CloudTrail. Attributed like the store's own key uses
/// (principal, command, file) and, once <see cref="HoldAuditRecords"/> is called, held with them until the session
/// flushes before it publishes outputs. A successful use whose record cannot be written fails the flush, so no output
/// of it appears; failed calls are recorded as well as can be.
/// </summary>
public sealed class ExternalKeyUseRecorder : IKeyUseSink
{
    private readonly KeyringAccess _access;

    internal ExternalKeyUseRecorder(KeyringAccess access) => _access = access;

    /// <summary>The file the session works on now (its path goes into each record).</summary>
    public StoreFileContext? FileContext
    {
        get => _access.FileContext;
        set => _access.FileContext = value;
    }

    /// <summary>From now on the records wait in <paramref name="hold"/> until it is flushed.</summary>
    public void HoldAuditRecords(AuditHold hold) => _access.Hold(hold);

    public void Record(ExternalKeyUse use)
    {
        ArgumentNullException.ThrowIfNull(use);
        _access.Emit(ToEvent(use, _access.FileContext?.FilePath, null));
    }

    /// <summary>The audit record of one call to a key service (<paramref name="detail"/>: what it served, when not a file).</summary>
    internal static StoreEvent ToEvent(ExternalKeyUse use, string? filePath, string? detail)
    {
        var encrypting = use.Operation is "kms:GenerateDataKey" or "kms:Encrypt" or "kms:ReEncryptTo";
        return new StoreEvent
        {
            Time = default,
            Operation = encrypting ? "KeyUsedToEncrypt" : "KeyUsedToDecrypt",
            StoreLocation = "",
            KeyId = use.KeyIdentifier,
            Action = use.Operation,
            FilePath = filePath,
            Succeeded = use.Succeeded,
            ErrorId = use.Succeeded ? null : use.ErrorCode,
            Detail = (use.Succeeded ? use.ProviderId : $"{use.ProviderId}: {use.ErrorCode ?? "failed"}") + (detail is null ? "" : "; " + detail),
            RequestId = use.RequestId,
        };
    }
}

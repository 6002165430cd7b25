using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// What a file cmdlet tells a store keyring about the file it is working on, so that the keyring's access checks and
/// audit records carry it. Set it when creating the keyring (<see cref="IKeyStoreProvider.CreateEncryptKeyring"/>,
/// <see cref="IKeyStoreProvider.CreateDecryptKeyring"/>) or, for a keyring reused across files, through
/// <see cref="IStoreKeyring.FileContext"/> before each file.
/// </summary>
public sealed record StoreFileContext
{
    /// <summary>The file's full path, recorded in the audit log (paths are not secret by design).</summary>
    public string? FilePath { get; init; }

    /// <summary>
    /// The keyring serves a re-encryption (Update-EncFileKey, Invoke-EncKeyRotation -Rewrap): the data key is only moved
    /// from one key to another, as KMS ReEncrypt does, so unwrapping demands kms:ReEncryptFrom instead of kms:Decrypt
    /// and wrapping demands kms:ReEncryptTo on every key instead of kms:GenerateDataKey / kms:Encrypt.
    /// </summary>
    public bool ReEncrypt { get; init; }

    /// <summary>
    /// The action wrapping demands on every key instead of kms:GenerateDataKey / kms:Encrypt: the in-memory data plane
    /// checks Protect-EncData as kms:Encrypt and New-EncDataKey as kms:GenerateDataKey(WithoutPlaintext). Null for files.
    /// </summary>
    public string? WrapAction { get; init; }
}

/// <summary>A key's policy as Get-EncKeyPolicy returns it: the JSON document and where it came from.</summary>
public sealed record EncKeyPolicy
{
    public required string KeyId { get; init; }
    public required string Arn { get; init; }
    /// <summary>"default", as in KMS (a key has one policy).</summary>
    public string PolicyName { get; init; } = "default";
    /// <summary>The policy document, exactly as it was set (or the rendered default policy).</summary>
    public required string Policy { get; init; }
    /// <summary>True when the key has no policy of its own and the default policy applies.</summary>
    public required bool IsDefault { get; init; }
    public int StatementCount { get; init; }
    /// <summary>Warnings of the parser (foreign principals, AWS-only condition keys...).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public string? StoreLocation { get; init; }

    public override string ToString() => Policy;
}

/// <summary>One call into the store: who is calling (resolved once), from which command, and the access decisions.</summary>
internal sealed class StoreCall
{
    public StoreCall(CallerIdentity caller, string? command)
    {
        Caller = caller;
        Command = command;
    }

    public CallerIdentity Caller { get; }
    public string? Command { get; }
    public string? Action { get; set; }
    public string? DecidedBy { get; set; }
    /// <summary>The key the call is about, once named: its failure records carry it.</summary>
    public string? KeyId { get; set; }
    public IReadOnlyDictionary<string, string>? EncryptionContext { get; set; }
    public string Principal => Caller.Primary.ToString();

    /// <summary>The cmdlet or CLI command of the calls on this async flow (set by <see cref="KeyStoreProviders"/>'s provider views).</summary>
    internal static readonly AsyncLocal<string?> CommandScope = new();
    internal static readonly AsyncLocal<StoreCall?> CurrentScope = new();
    /// <summary>Where the calls on this async flow report warnings (the cmdlet's WriteWarning, the CLI's stderr); null: nowhere.</summary>
    internal static readonly AsyncLocal<Action<string>?> WarningScope = new();
    /// <summary>How the calls on this async flow named the store (<see cref="StoreLocation.FromDefault"/>...): the provider of a
    /// location is shared, but whether a missing store may be created implicitly depends on how this command named it.</summary>
    internal static readonly AsyncLocal<string?> LocationSourceScope = new();
}

/// <summary>
/// Writes every store event to the tamper-evident <see cref="AuditLog"/>: principal, host, process, command, action, key
/// and version, encryption context, file path, result and reason. Never key material (events carry none).
/// </summary>
internal sealed class AuditLogEventSink(AuditLog log) : IStoreEventSink
{
    public AuditLog Log { get; } = log;

    /// <summary>The audit key of a store: HKDF-SHA256 of the root key with the label "audit" (never the root key itself).</summary>
    public static byte[] DeriveAuditKey(ReadOnlySpan<byte> rootKey, string storeId)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, key, Encoding.UTF8.GetBytes("enctools-store:" + storeId), "audit"u8);
        return key;
    }

    public void OnEvent(StoreEvent e) => Log.Append(ToEntry(e));

    /// <summary>Several events as one append: one lock, one flush and one head update.</summary>
    public void OnEvents(IReadOnlyList<StoreEvent> events) => Log.AppendMany(events.Select(ToEntry).ToList());

    public static AuditEntry ToEntry(StoreEvent e) => new()
    {
        Action = e.Action ?? e.Operation,
        Result = e.Denied ? AuditResult.Denied : !e.Succeeded ? AuditResult.Failed
            : e.Operation == "KeyAccessTested" ? AuditResult.Allowed : AuditResult.Succeeded,
        Principal = e.Principal ?? "user:" + e.User,
        Command = e.Command,
        KeyId = e.KeyId,
        KeyVersion = e.Version?.ToString(CultureInfo.InvariantCulture),
        EncryptionContext = e.EncryptionContext,
        FilePath = e.FilePath,
        Reason = Cut(e.Action is not null && e.Action != e.Operation ? Join(e.Operation, e.Detail) : e.Detail),
        DecidedBy = e.DecidedBy,
        RequestId = e.RequestId,
        Time = e.Time,
        ProcessId = e.ProcessId,
    };

    private static string Join(string operation, string? detail) => detail is null ? operation : operation + ": " + detail;

    private static string? Cut(string? text) => text is { Length: > AuditLog.MaxReasonLength } ? text[..AuditLog.MaxReasonLength] : text;
}

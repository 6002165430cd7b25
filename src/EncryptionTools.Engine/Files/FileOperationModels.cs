using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// Where results go, shared by encryption and decryption. Exactly one rule applies per file:
/// <list type="bullet">
/// <item><see cref="InPlace"/>: the result replaces the source under its own name (verified first, atomically).</item>
/// <item><see cref="Destination"/>: a file (one input file), or a directory (it exists, ends with a separator, or there
/// are several inputs or a directory input); a directory input keeps its structure under it.</item>
/// <item>Otherwise beside the source: encryption appends <see cref="Suffix"/>, decryption removes it.</item>
/// </list>
/// </summary>
public abstract record FileOperationOptions
{
    /// <summary>A destination file or directory; null writes beside each source.</summary>
    public string? Destination { get; init; }

    /// <summary>Appended on encryption, removed on decryption. Default <see cref="FileProtector.DefaultSuffix"/>.</summary>
    public string Suffix { get; init; } = FileProtector.DefaultSuffix;

    /// <summary>Replace each source with its result (temp file, fsync, verify, atomic rename, original mode kept).</summary>
    public bool InPlace { get; init; }

    /// <summary>Descend into directory inputs; without it a directory input is an error.</summary>
    public bool Recurse { get; init; }

    /// <summary>Overwrite existing destinations; on encryption also encrypt files that are already messages.</summary>
    public bool Force { get; init; }

    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Runs before each group of results is published (renamed into place): the key store writes its audit records of
    /// those files here, so no output exists whose key use is not in the audit log.
    /// </summary>
    public Action? BeforePublish { get; init; }

    /// <summary>Runs before each file's work with its full path: the key store names the file in its audit records.</summary>
    public Action<string>? BeforeEachFile { get; init; }
}

/// <summary>Encrypt files (Protect-File, <c>enctools encrypt</c>).</summary>
public sealed record ProtectRequest : FileOperationOptions
{
    /// <summary>Every keyring wraps the data key: each one's key can decrypt the result.</summary>
    public required IReadOnlyList<IKeyring> Keyrings { get; init; }

    /// <summary>Keyrings for the in-place verification pass; null uses <see cref="Keyrings"/> (they must be able to decrypt).</summary>
    public IReadOnlyList<IKeyring>? VerifyKeyrings { get; init; }

    public IReadOnlyDictionary<string, string> EncryptionContext { get; init; } = Format.EncryptionContext.Empty;

    public int FrameLength { get; init; } = EncryptOptions.DefaultFrameLength;

    /// <summary>Header reserve in bytes; null applies <see cref="HeaderReserve.ForPlaintextLength"/> per file.</summary>
    public int? HeaderReserve { get; init; }

    /// <summary>Write signed messages (suite 0x0578, ECDSA P-384); see <see cref="EncryptOptions.Signed"/>.</summary>
    public bool Signed
    {
        get => Suite.IsSigned;
        init => Suite = value ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey;
    }

    /// <summary>The algorithm suite, for tests that name one; users choose through <see cref="Signed"/>.</summary>
    internal AlgorithmSuite Suite { get; init; } = AlgorithmSuite.CommitKey;
}

/// <summary>Decrypt files (Unprotect-File, <c>enctools decrypt</c>).</summary>
public sealed record UnprotectRequest : FileOperationOptions
{
    /// <summary>Keyrings that may unwrap data keys (the store restricts them to the keys the caller may use).</summary>
    public required IReadOnlyList<IKeyring> Keyrings { get; init; }

    /// <summary>Pairs each message's encryption context must hold; a mismatch fails before any plaintext is written.</summary>
    public IReadOnlyDictionary<string, string>? RequiredEncryptionContext { get; init; }

    public MessageLimits Limits { get; init; } = MessageLimits.Default;

    /// <summary>
    /// The key that authenticates rewrap journals (the key store's sidecar key). A journal left by an interrupted
    /// rewrap is applied only when it verifies under it; null: no journal is ever applied (each is reported).
    /// </summary>
    public SidecarKey? SidecarKey { get; init; }
}

/// <summary>What was done with one file.</summary>
public enum FileAction
{
    Encrypted,
    Decrypted,
    /// <summary>Nothing was written; <see cref="FileOperationResult.Warning"/> says why.</summary>
    Skipped,
}

/// <summary>One file's result, as the cmdlets emit it.</summary>
public sealed record FileOperationResult
{
    public required string Source { get; init; }
    /// <summary>The file written (equal to <see cref="Source"/> in place), or for a skipped file the one that would have been.</summary>
    public string? Destination { get; init; }
    public required FileAction Action { get; init; }
    public bool InPlace { get; init; }
    /// <summary>Encryption: every key the data key was wrapped under. Decryption: the key that opened it.</summary>
    public IReadOnlyList<FileKeyIdentity> Keys { get; init; } = [];
    /// <summary><see cref="Keys"/> as a person names them (alias and version for store keys); null when not resolved (the CLI).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? KeyLabels { get; init; }
    /// <summary>The message's encryption context, without the SDK's reserved entries.</summary>
    public IReadOnlyDictionary<string, string> EncryptionContext { get; init; } = Format.EncryptionContext.Empty;
    public long BytesIn { get; init; }
    public long BytesOut { get; init; }
    public int FrameLength { get; init; }
    /// <summary>Header bytes reserved for in-place rewraps (encryption), or found (decryption).</summary>
    public int HeaderReserve { get; init; }
    public string? AlgorithmSuite { get; init; }
    /// <summary>Why a file was skipped; a warning for the user.</summary>
    public string? Warning { get; init; }
    /// <summary>Warnings with stable ids about a file that was processed (e.g. an untrusted journal beside it that was ignored).</summary>
    public IReadOnlyList<EngineWarning> Warnings { get; init; } = [];
}

/// <summary>One file's outcome in a batch: a result or a typed error, never both. A batch never stops on one file's error.</summary>
public sealed record FileOutcome(string Source, string? Destination, FileOperationResult? Result, EncryptionToolsException? Error)
{
    public bool Succeeded => Error is null;

    /// <summary>The number (from 1) of the group it was published with, in a fed batch; 0 elsewhere.</summary>
    public int Group { get; init; }
}

public enum FileProgressPhase
{
    Encrypting,
    Decrypting,
    /// <summary>In-place encryption: decrypting the temporary file to check it before it replaces the original.</summary>
    Verifying,
}

/// <summary>
/// Progress of a batch: this file's bytes and the batch's. Plaintext bytes on encryption and decryption;
/// ciphertext-side plaintext bytes while verifying. Reported from a worker thread.
/// </summary>
public sealed record FileProgress(
    string Source,
    FileProgressPhase Phase,
    long FileBytesDone,
    long FileBytesTotal,
    int FileNumber,
    int FileCount,
    long OverallBytesDone,
    long OverallBytesTotal);

/// <summary>One planned file: where it goes, or why it cannot.</summary>
internal sealed record FilePlanItem(string Source, string? Destination, long Length, bool FoundByRecursion, EncryptionToolsException? Error);

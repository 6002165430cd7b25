using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Operations;

/// <summary>Which keys a file is encrypted (or rewrapped) to, as the user named them.</summary>
public sealed record FileKeys
{
    /// <summary>
    /// Keys in the order named: the store's (ids, ARNs or aliases) and AWS KMS key or alias ARNs, mixed; the first named
    /// makes the data key (a KMS key by GenerateDataKey). Nothing named at all (no recipients either): the module-managed default key.
    /// </summary>
    public IReadOnlyList<string> KeyIds { get; init; } = [];
    /// <summary>RSA public keys as PEM files (the holder of the private key decrypts).</summary>
    public IReadOnlyList<string> RecipientPemFiles { get; init; } = [];
    /// <summary>RSA public keys as PEM text (e.g. Export-EncKey -PublicKeyOnly's PublicKeyPem).</summary>
    public IReadOnlyList<string> RecipientPems { get; init; } = [];
    /// <summary>Other keyrings (the CLI's raw --key-file keys).</summary>
    public IReadOnlyList<IKeyring> ExtraKeyrings { get; init; } = [];

    public bool HasRecipients => RecipientPemFiles.Count > 0 || RecipientPems.Count > 0;
}

/// <summary>
/// Which keys held outside the process (AWS KMS) a decryption may call: <see cref="AllowedKeys"/> (key or alias ARNs,
/// strict) when the caller named none with -KeyId, and, as an explicit opt-in, <see cref="Discovery"/>.
/// </summary>
public sealed record ExternalKeyOptions
{
    /// <summary>The environment variable that lists allowed KMS key ARNs for runbooks (comma or whitespace separated).</summary>
    public const string AllowedKeysVariable = "ENCTOOLS_KMS_KEY_IDS";

    public IReadOnlyList<string> AllowedKeys { get; init; } = [];
    public Keyrings.DiscoveryFilter? Discovery { get; init; }

    /// <summary>The allowed keys from <see cref="AllowedKeysVariable"/>; no discovery.</summary>
    public static ExternalKeyOptions FromEnvironment() => new()
    {
        AllowedKeys = (Environment.GetEnvironmentVariable(AllowedKeysVariable) ?? "")
            .Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries),
    };
}

/// <summary>What Update-EncFileKey / <c>enctools rewrap</c> should do to one file's recipients.</summary>
public sealed record RewrapSettings
{
    /// <summary>When set, the file's recipients become exactly these keys (store keys or AWS KMS ARNs; plus <see cref="AddRecipientPemFiles"/>).</summary>
    public IReadOnlyList<string>? ReplaceWithKeyIds { get; init; }
    public IReadOnlyList<string> AddKeyIds { get; init; } = [];
    /// <summary>
    /// Keys whose EDKs are removed: a store key's of every version, an AWS KMS key's by its key ARN (an alias ARN is
    /// resolved with DescribeKey). The external keys named anywhere in the settings may also unwrap the data key.
    /// </summary>
    public IReadOnlyList<string> RemoveKeyIds { get; init; } = [];
    public IReadOnlyList<string> AddRecipientPemFiles { get; init; } = [];
    /// <summary>RSA public keys as PEM text to add as recipients.</summary>
    public IReadOnlyList<string> AddRecipientPems { get; init; } = [];
    public IReadOnlyList<string> RemoveRecipientPemFiles { get; init; } = [];
    /// <summary>Re-wrap EDKs made by an older version of a store key under its newest version (enabled keys only).</summary>
    public bool UpgradeToCurrentVersion { get; init; } = true;
    /// <summary>Only these keys' EDKs are upgraded (key ids); null: every store key.</summary>
    public IReadOnlyCollection<string>? UpgradeOnly { get; init; }
    public IReadOnlyDictionary<string, string>? RequiredEncryptionContext { get; init; }
    /// <summary>Other keyrings that may unwrap the data key (raw --key-file keys).</summary>
    public IReadOnlyList<IKeyring> ExtraUnwrapKeyrings { get; init; } = [];
    public bool AllowFullRewrite { get; init; } = true;
}

/// <summary>One file's rewrap: the result, "skipped" (nothing to change), or a typed error.</summary>
public sealed record RewrapOutcome(string Path, RewrapResult? Result, EncryptionToolsException? Error, string? Skipped = null)
{
    public bool Succeeded => Error is null;
    /// <summary>Warnings with stable ids (e.g. a journal beside the file that was not ours and was ignored).</summary>
    public IReadOnlyList<EngineWarning> Warnings { get; init; } = [];
}

/// <summary>Progress of a batch of header-only operations: files, not bytes (each costs the same).</summary>
public sealed record FileCountProgress(string Path, int FileNumber, int FileCount);

/// <summary>
/// A key rotated by <see cref="FileOperations.RotateAndRewrap"/>: the new version is already in place; <see cref="Rewrap"/>
/// then moves the files that used an older version of the key, as the caller enumerates.
/// </summary>
public sealed class KeyRotation
{
    private readonly Func<IProgress<FileCountProgress>?, CancellationToken, IEnumerable<RewrapOutcome>> _rewrap;

    internal KeyRotation(EncKey key, Func<IProgress<FileCountProgress>?, CancellationToken, IEnumerable<RewrapOutcome>> rewrap)
    {
        Key = key;
        _rewrap = rewrap;
    }

    /// <summary>The key after its rotation (its new current version).</summary>
    public EncKey Key { get; }

    /// <summary>Rewraps the files: one outcome per file (skipped when it holds no EDK of an older version), errors typed.</summary>
    public IEnumerable<RewrapOutcome> Rewrap(IProgress<FileCountProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _rewrap(progress, cancellationToken);
}

using System.Collections;
using System.Globalization;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// What "compliant" means for one estate: from a .psd1 file (<see cref="Load"/>) or a hashtable
/// (<see cref="FromDictionary(IDictionary, string)"/>). Every field is optional; an unknown or mistyped field is an error naming it.
/// </summary>
public sealed record ComplianceProfile
{
    /// <summary>Encryption context keys every encrypted file must carry (ET1008).</summary>
    public IReadOnlyList<string> RequiredEncryptionContextKeys { get; init; } = [];

    /// <summary>Largest age in days of a key's current material (ET2006); null: no limit.</summary>
    public int? MaximumKeyAgeDays { get; init; }

    /// <summary>
    /// How many versions behind its key's current version a file's data key may be wrapped (ET1009): 0 means files must
    /// be rewrapped after every rotation, 1 allows one rotation of slack; null: no limit.
    /// </summary>
    public int? MaximumKeyVersionLag { get; init; }

    /// <summary>The store's root key must be protected by a password or an AWS KMS key (ET4002).</summary>
    public bool RequirePassword { get; init; }

    /// <summary>Exportable keys are allowed (ET2005 when false).</summary>
    public bool AllowExportableKeys { get; init; } = true;

    /// <summary>Grants for cryptographic operations must carry an encryption context constraint (ET3002).</summary>
    public bool RequireGrantConstraints { get; init; }

    /// <summary>Customer-managed symmetric keys must rotate automatically (ET2001).</summary>
    public bool RequireRotation { get; init; } = true;

    /// <summary>
    /// Globs (relative to each scanned root, see GlobPattern) of files that must be encrypted (ET1001). Empty: every
    /// scanned file must be.
    /// </summary>
    public IReadOnlyList<string> PathsThatMustBeEncrypted { get; init; } = [];

    /// <summary>Include globs used when the caller gives none.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Exclude globs used when the caller gives none.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Rules (ids, names or wildcards) this profile never evaluates, added to the caller's -ExcludeRule.</summary>
    public IReadOnlyList<string> ExcludeRule { get; init; } = [];

    /// <summary>The key files should be encrypted under, for the remediations (Protect-File -KeyId); null: the default key.</summary>
    public string? KeyId { get; init; }

    /// <summary>
    /// Recovery keys (ET1015): every encrypted file must also have a data key wrapped under at least one of them, so that
    /// losing one machine's store never loses data. Each is an AWS KMS key ARN or alias ARN, or an RSA recipient (a PEM
    /// public key file, PEM text, or its key name rsa-spki-sha256:&lt;hex&gt;). Empty: no requirement.
    /// </summary>
    public IReadOnlyList<RecoveryKey> RequireRecoveryKey { get; init; } = [];

    public static ComplianceProfile Default { get; } = new();

    /// <summary>The field names, as written in a profile.</summary>
    public static IReadOnlyList<string> FieldNames { get; } =
    [
        nameof(RequiredEncryptionContextKeys), nameof(MaximumKeyAgeDays), nameof(MaximumKeyVersionLag), nameof(RequirePassword),
        nameof(AllowExportableKeys), nameof(RequireGrantConstraints), nameof(RequireRotation), nameof(PathsThatMustBeEncrypted),
        nameof(Include), nameof(Exclude), nameof(ExcludeRule), nameof(KeyId), nameof(RequireRecoveryKey),
    ];

    /// <summary>Reads a .psd1 profile. Relative PEM file paths in it (RequireRecoveryKey) are relative to its directory.</summary>
    public static ComplianceProfile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromData(PowerShellDataFile.ParseFile(path), path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Reads a profile from .psd1 text; relative PEM file paths resolve against <paramref name="baseDirectory"/> (default: the current directory).</summary>
    public static ComplianceProfile Parse(string text, string source = "profile", string? baseDirectory = null) =>
        FromData(PowerShellDataFile.Parse(text, source), source, baseDirectory);

    /// <summary>
    /// A profile from a hashtable's entries (a PowerShell Hashtable converted to a dictionary): values may be strings,
    /// numbers, booleans (or SwitchParameter-like values already converted), arrays/lists, or null.
    /// </summary>
    public static ComplianceProfile FromDictionary(IDictionary values, string source = "profile hashtable") => FromDictionary(values, source, null);

    /// <summary>
    /// A profile from a hashtable's entries; relative PEM file paths (RequireRecoveryKey) resolve against
    /// <paramref name="baseDirectory"/> (the caller's location: PowerShell's current location is not the process's).
    /// </summary>
    public static ComplianceProfile FromDictionary(IDictionary values, string source, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(values);
        var entries = new List<KeyValuePair<string, PsdValue>>();
        foreach (DictionaryEntry e in values)
        {
            var key = e.Key?.ToString() ?? throw new ComplianceProfileException($"{source}: a key is null.");
            entries.Add(new(key, ToPsd(e.Value)));
        }
        return FromData(new PsdValue(entries, 0), source, baseDirectory);
    }

    private static PsdValue ToPsd(object? value) => value switch
    {
        null => new PsdValue(null, 0),
        string s => new PsdValue(s, 0),
        bool b => new PsdValue(b, 0),
        int or long or short or byte or sbyte or ushort or uint => new PsdValue(Convert.ToInt64(value, CultureInfo.InvariantCulture), 0),
        ulong u => new PsdValue(u <= long.MaxValue ? (long)u : (double)u, 0),
        double or float or decimal => new PsdValue(Convert.ToDouble(value, CultureInfo.InvariantCulture), 0),
        IDictionary d => new PsdValue(d.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, PsdValue>(e.Key?.ToString() ?? "", ToPsd(e.Value))).ToList(), 0),
        IEnumerable list => new PsdValue(list.Cast<object?>().Select(ToPsd).ToList(), 0),
        _ => new PsdValue(value.ToString(), 0) { },
    };

    private static ComplianceProfile FromData(PsdValue root, string source, string? baseDirectory)
    {
        var entries = root.Entries ?? throw new ComplianceProfileException($"{source}: a compliance profile is a hashtable, @{{ ... }}.");
        var profile = new ComplianceProfile();
        foreach (var (rawKey, value) in entries)
        {
            var field = FieldNames.FirstOrDefault(f => string.Equals(f, rawKey, StringComparison.OrdinalIgnoreCase));
            if (field is null)
            {
                var near = FieldNames.Select(f => (Field: f, Distance: Distance(f.ToUpperInvariant(), rawKey.ToUpperInvariant())))
                    .Where(p => p.Distance <= Math.Max(2, p.Field.Length / 4)).OrderBy(p => p.Distance).Select(p => p.Field).FirstOrDefault();
                throw Fail(source, value.Line, rawKey, $"'{rawKey}' is not a compliance profile field" + (near is null ? "" : $" (did you mean '{near}'?)")
                    + $". The fields are {string.Join(", ", FieldNames)}");
            }
            profile = field switch
            {
                nameof(RequiredEncryptionContextKeys) => profile with { RequiredEncryptionContextKeys = Strings(source, field, value, allowEmptyItems: false) },
                nameof(MaximumKeyAgeDays) => profile with { MaximumKeyAgeDays = Int(source, field, value, 1) },
                nameof(MaximumKeyVersionLag) => profile with { MaximumKeyVersionLag = Int(source, field, value, 0) },
                nameof(RequirePassword) => profile with { RequirePassword = Bool(source, field, value) },
                nameof(AllowExportableKeys) => profile with { AllowExportableKeys = Bool(source, field, value) },
                nameof(RequireGrantConstraints) => profile with { RequireGrantConstraints = Bool(source, field, value) },
                nameof(RequireRotation) => profile with { RequireRotation = Bool(source, field, value) },
                nameof(PathsThatMustBeEncrypted) => profile with { PathsThatMustBeEncrypted = Globs(source, field, value) },
                nameof(Include) => profile with { Include = Globs(source, field, value) },
                nameof(Exclude) => profile with { Exclude = Globs(source, field, value) },
                nameof(ExcludeRule) => profile with { ExcludeRule = Rules(source, field, value) },
                nameof(KeyId) => profile with { KeyId = Text(source, field, value) },
                nameof(RequireRecoveryKey) => profile with { RequireRecoveryKey = RecoveryKeys(source, field, value, baseDirectory) },
                _ => throw new InvalidOperationException(field),
            };
        }
        return profile;
    }

    /// <summary>Levenshtein distance, for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }

    private static ComplianceProfileException Fail(string source, int line, string field, string what) =>
        new(line > 0 ? $"{source}, line {line}: {field}: {what}." : $"{source}: {field}: {what}.", field, line > 0 ? line : null);

    private static string Describe(object? v) => v switch
    {
        null => "$null",
        string s => $"the string '{s}'",
        bool b => b ? "$true" : "$false",
        long or double => $"the number {Convert.ToString(v, CultureInfo.InvariantCulture)}",
        IReadOnlyList<KeyValuePair<string, PsdValue>> => "a hashtable",
        IReadOnlyList<PsdValue> => "an array",
        _ => v.GetType().Name,
    };

    private static bool Bool(string source, string field, PsdValue value) => value.Value is bool b
        ? b
        : throw Fail(source, value.Line, field, $"must be $true or $false, not {Describe(value.Value)}");

    private static int? Int(string source, string field, PsdValue value, int minimum)
    {
        if (value.Value is null) return null;
        if (value.Value is long l && l >= minimum && l <= int.MaxValue) return (int)l;
        if (value.Value is double d && d == Math.Floor(d) && d >= minimum && d <= int.MaxValue) return (int)d;
        throw Fail(source, value.Line, field, $"must be a whole number of at least {minimum} (or $null for no limit), not {Describe(value.Value)}");
    }

    private static string? Text(string source, string field, PsdValue value) => value.Value switch
    {
        null => null,
        string s when s.Trim().Length > 0 => s.Trim(),
        _ => throw Fail(source, value.Line, field, $"must be a non-empty string, not {Describe(value.Value)}"),
    };

    private static List<string> Strings(string source, string field, PsdValue value, bool allowEmptyItems)
    {
        var items = value.Value switch
        {
            null => [],
            string s => [value],
            IReadOnlyList<PsdValue> list => list,
            _ => throw Fail(source, value.Line, field, $"must be a string or an array of strings, not {Describe(value.Value)}"),
        };
        var result = new List<string>();
        foreach (var item in items)
        {
            if (item.Value is not string s) throw Fail(source, item.Line > 0 ? item.Line : value.Line, field, $"must hold only strings, not {Describe(item.Value)}");
            if (!allowEmptyItems && s.Length == 0) throw Fail(source, value.Line, field, "holds an empty string");
            result.Add(s);
        }
        return result;
    }

    private static IReadOnlyList<string> Globs(string source, string field, PsdValue value)
    {
        var globs = Strings(source, field, value, allowEmptyItems: false);
        foreach (var g in globs)
        {
            try { _ = new Files.GlobPattern(g); }
            catch (ArgumentException ex) { throw Fail(source, value.Line, field, $"'{g}' is not a valid glob: {ex.Message}"); }
        }
        return globs;
    }

    private static IReadOnlyList<RecoveryKey> RecoveryKeys(string source, string field, PsdValue value, string? baseDirectory)
    {
        var keys = new List<RecoveryKey>();
        foreach (var text in Strings(source, field, value, allowEmptyItems: false))
        {
            try { keys.Add(RecoveryKey.Parse(text, baseDirectory)); }
            catch (EncryptionToolsException ex) { throw Fail(source, value.Line, field, ex.Message.TrimEnd('.')); }
        }
        return keys;
    }

    private static IReadOnlyList<string> Rules(string source, string field, PsdValue value)
    {
        var rules = Strings(source, field, value, allowEmptyItems: false);
        foreach (var r in rules)
        {
            try { ComplianceRules.Select([r], null); }
            catch (ComplianceArgumentException ex) { throw Fail(source, value.Line, field, ex.Message.TrimEnd('.')); }
        }
        return rules;
    }
}

/// <summary>What a recovery key is: an AWS KMS key, or an RSA recipient (a public key whose private key is kept elsewhere).</summary>
public enum RecoveryKeyKind
{
    AwsKms,
    RsaRecipient,
}

/// <summary>
/// One recovery key of a profile (RequireRecoveryKey), and how a file's header names it: an AWS KMS key by its ARN
/// (<see cref="Identity"/>: the key ARN or alias ARN as written; an alias is resolved through KMS during a run), an RSA
/// recipient by the EDK identity <c>Protect-File -RecipientPublicKey</c> gives it (provider id "enctools", key name
/// rsa-spki-sha256:&lt;hex of the SHA-256 of its SubjectPublicKeyInfo&gt;).
/// </summary>
public sealed record RecoveryKey(RecoveryKeyKind Kind, string Identity, string Text)
{
    /// <summary>The PEM file it was read from, for the remediation (Update-EncFileKey -RecipientPublicKey); null otherwise.</summary>
    public string? PemPath { get; init; }

    public override string ToString() => Kind == RecoveryKeyKind.AwsKms ? Identity : $"RSA recipient {Identity}" + (PemPath is null ? "" : $" ({PemPath})");

    /// <summary>
    /// A key ARN or alias ARN; rsa-spki-sha256:&lt;64 hex&gt;; PEM text; or the path of a PEM public key file (relative
    /// to <paramref name="baseDirectory"/>, else the current directory). Anything else throws ComplianceProfileInvalid.
    /// </summary>
    public static RecoveryKey Parse(string text, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length == 0) throw Invalid("a recovery key is an empty string");
        if (Keyrings.AwsKmsArn.TryParse(t, out var arn)) return new RecoveryKey(RecoveryKeyKind.AwsKms, arn.ToString(), t);
        if (t.StartsWith("arn:", StringComparison.OrdinalIgnoreCase))
            throw Invalid($"'{UntrustedText.Neutralize(t, 200)}' is not an AWS KMS key ARN or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID or alias/NAME)");
        if (t.StartsWith(Keyrings.RsaRecipient.KeyNamePrefix, StringComparison.OrdinalIgnoreCase))
        {
            var hex = t[Keyrings.RsaRecipient.KeyNamePrefix.Length..];
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
                throw Invalid($"'{UntrustedText.Neutralize(t, 200)}' is not an RSA recipient key name: {Keyrings.RsaRecipient.KeyNamePrefix} is followed by 64 hex digits");
            return new RecoveryKey(RecoveryKeyKind.RsaRecipient, Keyrings.RsaRecipient.KeyNamePrefix + hex.ToLowerInvariant(), t);
        }
        if (t.Contains("-----BEGIN", StringComparison.Ordinal))
            return new RecoveryKey(RecoveryKeyKind.RsaRecipient, IdentityOfPem(() => t, "the recovery key's PEM text"), "PEM text");
        if (t.StartsWith("alias/", StringComparison.Ordinal) || Guid.TryParse(t, out _) || t.StartsWith("mrk-", StringComparison.Ordinal))
            throw Invalid($"'{UntrustedText.Neutralize(t, 200)}' names a key by a bare id or alias: name an AWS KMS key by its key ARN or alias ARN "
                + "(a key of a local store is not a recovery key: it is lost with the machine), or an RSA recipient by its PEM public key file");
        string path;
        try { path = Path.GetFullPath(t, baseDirectory ?? Environment.CurrentDirectory); }
        catch (ArgumentException) { throw Invalid($"'{UntrustedText.Neutralize(t, 300)}' is not a recovery key: not an AWS KMS ARN, an RSA recipient key name or a path"); }
        if (!File.Exists(path))
            throw Invalid($"'{UntrustedText.Neutralize(t, 300)}' is not an AWS KMS ARN, an RSA recipient key name (rsa-spki-sha256:...) or an existing PEM public key file (looked for '{UntrustedText.Neutralize(path, 400)}')");
        return new RecoveryKey(RecoveryKeyKind.RsaRecipient, IdentityOfPem(() => ReadPem(path), path), t) { PemPath = path };
    }

    private static string ReadPem(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid($"cannot read the recovery key's PEM file '{UntrustedText.Neutralize(path, 400)}': {ex.Message}");
        }
    }

    /// <summary>The recipient key name of a PEM public key; a PEM block whose content is not a key is a profile error too.</summary>
    private static string IdentityOfPem(Func<string> pem, string source)
    {
        try { return Keyrings.RsaRecipient.IdentityOfPem(pem(), source).KeyName; }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw Invalid($"'{UntrustedText.Neutralize(source, 400)}' is not an RSA public key in PEM form: {ex.Message}");
        }
    }

    /// <summary>Whether an EDK identity of a header is this key (for an alias ARN: the key ARN it was resolved to).</summary>
    internal bool Matches(Files.FileKeyIdentity key, string? resolvedKeyArn = null) => Kind switch
    {
        RecoveryKeyKind.AwsKms => key.ProviderId == Keyrings.AwsKmsArn.ProviderId && string.Equals(key.KeyName, resolvedKeyArn ?? Identity, StringComparison.Ordinal),
        _ => key.ProviderId == Keyrings.RsaRecipient.Namespace && string.Equals(key.KeyName, Identity, StringComparison.Ordinal),
    };

    private static ComplianceProfileException Invalid(string message) => new(message);
}

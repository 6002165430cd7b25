using EncryptionTools.Engine.Compliance.Rules;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Compliance;

/// <summary>What a compliance run learned of one AWS KMS key a file names.</summary>
internal enum KmsKeyOutcome
{
    /// <summary>KMS described the key (<see cref="KmsKeyFacts.Status"/>).</summary>
    Described,
    /// <summary>KMS answered about this key with an error (not found, access denied, an ARN that does not parse).</summary>
    KeyError,
    /// <summary>KMS could not be asked at all (endpoint unreachable, no credentials, throttled, provider failed to load).</summary>
    ServiceError,
    /// <summary>No AWS KMS provider is registered in this process.</summary>
    NotChecked,
}

/// <summary>One AWS KMS key a file names, and what KMS said of it.</summary>
internal sealed record KmsKeyFacts(string Arn, KmsKeyOutcome Outcome, ExternalKeyStatus? Status = null, string? ErrorId = null, string? Problem = null)
{
    /// <summary>For <see cref="KmsKeyOutcome.ServiceError"/>: the failure to reach KMS this key shares with others.</summary>
    public ExternalKeyCheck.ServiceProblem? Service { get; init; }

    public string? State => Status?.State;

    /// <summary>Whether the key may open the file, as far as is known: enabled, or its state could not be learned.</summary>
    public bool MayBeUsable => Outcome switch
    {
        KmsKeyOutcome.Described => Status!.State == "Enabled",
        KmsKeyOutcome.KeyError => ErrorId == ErrorCatalog.KmsAccessDenied.Id, // the scanner may not describe what others may use
        _ => true,
    };

}

/// <summary>
/// The state of each AWS KMS key the scanned files name, asked once per key per run through the registered
/// <see cref="IKeyringProvider"/> (DescribeKey); the engine never sees the AWS SDK. A failure to reach KMS at all
/// (endpoint unreachable, credentials, throttling) is remembered per region, so a run with an unreachable endpoint
/// makes one attempt per region and goes on with the scan, and the rules report it once per run, not once per file.
/// </summary>
internal sealed class ExternalKeyCheck(Func<string, IKeyringProvider?> providers)
{
    /// <summary>KMS could not be asked in a region: the first failure, and the files and keys left unchecked.</summary>
    internal sealed class ServiceProblem(string region, string errorId, string message, string firstArn)
    {
        public string Region { get; } = region;
        public string ErrorId { get; } = errorId;
        public string Message { get; } = message;
        public string FirstArn { get; } = firstArn;
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public long Files { get; set; }
        public string? FirstFile { get; set; }
    }

    private static readonly HashSet<string> ServiceErrorIds = new(StringComparer.Ordinal)
    {
        ErrorCatalog.KmsEndpointUnreachable.Id, ErrorCatalog.KmsCredentialsMissing.Id, ErrorCatalog.KmsThrottled.Id, ErrorCatalog.KmsUnavailable.Id,
    };

    private readonly Dictionary<string, KmsKeyFacts> _byArn = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceProblem> _down = new(StringComparer.Ordinal);
    private bool _providerLoaded;
    private IKeyringProvider? _provider;
    private string? _providerProblem;

    /// <summary>Regions where KMS could not be asked, in the order they failed.</summary>
    public List<ServiceProblem> ServiceProblems { get; } = [];

    /// <summary>Files that name AWS KMS keys when no provider is registered: how many, the first, and its first key.</summary>
    public long UncheckedFiles { get; private set; }
    public string? FirstUncheckedFile { get; private set; }
    public string? FirstUncheckedArn { get; private set; }

    /// <summary>How many DescribeKey calls were made (tests: one per key per run).</summary>
    public int Calls { get; private set; }

    /// <summary>The AWS KMS keys named by a file's EDKs, each described (from the cache after the first time).</summary>
    public IReadOnlyList<KmsKeyFacts> Check(ScanEntry entry)
    {
        // Most files name no KMS key: look at the provider ids before decoding any key name.
        if (entry.Header is not { } header || !header.EncryptedDataKeys.Any(e => e.ProviderId == AwsKmsArn.ProviderId)) return [];
        var arns = KmsArns(entry.Keys);
        if (arns.Count == 0) return [];
        var facts = arns.Select(Describe).ToList();
        if (facts.Any(f => f.Outcome == KmsKeyOutcome.NotChecked))
        {
            UncheckedFiles++;
            FirstUncheckedFile ??= entry.Path;
            FirstUncheckedArn ??= facts[0].Arn;
        }
        foreach (var problem in facts.Select(f => f.Service).OfType<ServiceProblem>().Distinct())
        {
            problem.Files++;
            problem.FirstFile ??= entry.Path;
        }
        foreach (var f in facts) f.Service?.Keys.Add(f.Arn);
        return facts;
    }

    /// <summary>The distinct key ARNs of a header's aws-kms EDKs, in header order.</summary>
    public static List<string> KmsArns(IEnumerable<FileKeyIdentity> keys) =>
        keys.Where(k => k.ProviderId == AwsKmsArn.ProviderId).Select(k => k.KeyName).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>What KMS says of a key or alias ARN; asked once per run.</summary>
    public KmsKeyFacts Describe(string arn)
    {
        if (_byArn.TryGetValue(arn, out var known)) return known;
        var facts = Ask(arn);
        _byArn[arn] = facts;
        return facts;
    }

    private KmsKeyFacts Ask(string text)
    {
        if (!AwsKmsArn.TryParse(text, out var arn))
            return new KmsKeyFacts(text, KmsKeyOutcome.KeyError, ErrorId: ErrorCatalog.KmsInvalidKeyIdentifier.Id,
                Problem: $"'{UntrustedText.Neutralize(text, 200)}' is not an AWS KMS key ARN");
        if (!_providerLoaded)
        {
            _providerLoaded = true;
            try { _provider = providers(AwsKmsArn.ProviderId); }
            catch (EncryptionToolsException ex) { _providerProblem = ex.Message; }
            catch (Exception ex) when (ex is not OperationCanceledException) { _providerProblem = $"{ex.GetType().Name}: {UntrustedText.Neutralize(ex.Message, 400)}"; }
        }
        if (_providerProblem is not null) return Down(text, "*", ErrorCatalog.KmsUnavailable.Id, _providerProblem);
        if (_provider is null) return new KmsKeyFacts(text, KmsKeyOutcome.NotChecked);
        if (_down.TryGetValue(arn.Region, out var down))
            return new KmsKeyFacts(text, KmsKeyOutcome.ServiceError, ErrorId: down.ErrorId, Problem: down.Message) { Service = down };
        Calls++;
        try
        {
            return new KmsKeyFacts(text, KmsKeyOutcome.Described, _provider.Describe(text));
        }
        catch (EncryptionToolsException ex) when (ServiceErrorIds.Contains(ex.ErrorId))
        {
            return Down(text, arn.Region, ex.ErrorId, ex.Message);
        }
        catch (EncryptionToolsException ex)
        {
            return new KmsKeyFacts(text, KmsKeyOutcome.KeyError, ErrorId: ex.ErrorId, Problem: ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A provider that fails in a way it does not describe: KMS cannot be asked here; one finding, not one per file.
            return Down(text, arn.Region, ErrorCatalog.KmsRequestFailed.Id, $"{ex.GetType().Name}: {UntrustedText.Neutralize(ex.Message, 400)}");
        }
    }

    private KmsKeyFacts Down(string arn, string region, string errorId, string message)
    {
        if (!_down.TryGetValue(region, out var problem))
        {
            problem = new ServiceProblem(region, errorId, message, arn);
            _down[region] = problem;
            ServiceProblems.Add(problem);
        }
        return new KmsKeyFacts(arn, KmsKeyOutcome.ServiceError, ErrorId: problem.ErrorId, Problem: problem.Message) { Service = problem };
    }
}

/// <summary>How the KMS rules write keys and a file's other keys in messages.</summary>
internal static class KmsText
{
    /// <summary>An ARN read from a file: printable, capped.</summary>
    public static string Show(string? arn) => UntrustedText.Neutralize(arn, 300);

    /// <summary>Whether other keys of the file may still open it.</summary>
    public static string Others(ScannedFile file, string arn)
    {
        var others = file.Entry.Keys.Distinct().Count(k => !(k.ProviderId == Keyrings.AwsKmsArn.ProviderId && k.KeyName == arn));
        return others == 0
            ? "It is the file's only key: nobody can open the file while this lasts."
            : $"The file names {others} other key(s), which may still open it.";
    }
}

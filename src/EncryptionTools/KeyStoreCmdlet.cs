using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module;

/// <summary>
/// Base of every cmdlet that touches the key store: -StorePath, the provider (never assumed local), and per-item
/// non-terminating errors with the engine's stable ids.
/// </summary>
public abstract class KeyStoreCmdlet : EncryptionToolsCmdlet
{
    /// <summary>The store to use; overrides ENCRYPTIONTOOLS_STORE and the per-user default. Relative paths resolve against the PowerShell location.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StorePath { get; set; }

    private IKeyStoreProvider? _store;

    private int _pipelineThread;

    /// <summary>The store, through a view that names this cmdlet in every audit record and turns the store's warnings
    /// (an implicitly created per-user store) into this cmdlet's warnings.</summary>
    protected IKeyStoreProvider Store
    {
        get
        {
            if (_store is null)
            {
                _pipelineThread = Environment.CurrentManagedThreadId;
                _store = KeyStoreProviders.Get(ResolveStorePath(StorePath), MyInvocation?.MyCommand?.Name, StoreWarning);
            }
            return _store;
        }
    }

    /// <summary>WriteWarning works only on the pipeline thread; a warning raised on a worker thread goes to the host's
    /// warning stream through the next call of the cmdlet, never lost silently (the audit log records the event too).</summary>
    private void StoreWarning(string message)
    {
        if (Environment.CurrentManagedThreadId == _pipelineThread) WriteWarning(message);
        else lock (_pendingWarnings) _pendingWarnings.Add(message);
    }

    private readonly List<string> _pendingWarnings = [];

    /// <summary>Writes warnings the store raised on other threads (call on the pipeline thread).</summary>
    protected void FlushStoreWarnings()
    {
        List<string> pending;
        lock (_pendingWarnings)
        {
            pending = [.. _pendingWarnings];
            _pendingWarnings.Clear();
        }
        foreach (var message in pending) WriteWarning(message);
    }

    /// <summary>An explicit -StorePath resolved against PowerShell's location, never the process's working directory.</summary>
    protected string? ResolveStorePath(string? path) =>
        string.IsNullOrWhiteSpace(path) ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Runs one item's work; an engine error becomes a non-terminating ErrorRecord and the pipeline goes on.</summary>
    protected void ForItem(object? target, Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            WriteEngineError(ex, target);
        }
        finally { FlushStoreWarnings(); }
    }

    protected bool IsBound(string parameterName) => MyInvocation.BoundParameters.ContainsKey(parameterName);

    protected static Dictionary<string, string>? Tags(Hashtable? table) => KeyQueries.ToTags(table);
}

/// <summary>Tab completion of key parameters: aliases and key ids of the store chosen by -StorePath (if typed).</summary>
public sealed class EncKeyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<(string CompletionText, string ToolTip)> matches;
        try
        {
            matches = KeyQueries.Complete(CompletionStore.Open(fakeBoundParameters), wordToComplete);
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            yield break; // a locked or missing store completes nothing
        }
        foreach (var (text, tip) in matches)
            yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, Engine.UntrustedText.Neutralize(tip));
    }
}

/// <summary>Tab completion of alias names.</summary>
public sealed class EncKeyAliasCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<(string AliasName, string KeyId)> aliases;
        try
        {
            aliases = CompletionStore.Open(fakeBoundParameters).PeekCatalog().Keys
                .SelectMany(k => k.Aliases.Select(a => (a, k.KeyId))).OrderBy(a => a.a, StringComparer.OrdinalIgnoreCase).ToList();
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        var word = (wordToComplete ?? "").Trim('\'', '"');
        foreach (var (alias, keyId) in aliases.Where(a => a.AliasName.StartsWith(word, StringComparison.OrdinalIgnoreCase)
                     || a.AliasName[Aliases.Prefix.Length..].StartsWith(word, StringComparison.OrdinalIgnoreCase)))
            yield return new CompletionResult(alias, Engine.UntrustedText.Neutralize(alias), CompletionResultType.ParameterValue, "-> " + keyId);
    }
}

/// <summary>A cmdlet that moves keys from one state to another (enable, disable, cancel deletion), one key at a time.</summary>
public abstract class KeyStateCmdlet : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>What ShouldProcess shows for each key.</summary>
    protected abstract string Action { get; }

    /// <summary>The state change itself, through the store provider.</summary>
    protected abstract EncKey Apply(string keyIdentifier);

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
        {
            if (!ShouldProcess(id, Action)) continue;
            ForItem(id, () =>
            {
                var key = Apply(id);
                if (PassThru) WriteObject(key);
            });
        }
    }
}

/// <summary>Tab completion of encryption contexts: @{ key = '' } for each context key the store's policies and grants test.</summary>
public sealed class EncryptionContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<(string Key, string Source)> keys;
        try
        {
            keys = Engine.Store.KnownContextKeys.From(CompletionStore.Open(fakeBoundParameters));
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        var typed = (wordToComplete ?? "").TrimStart('@', '{', ' ');
        foreach (var (key, source) in keys.Where(k => k.Key.StartsWith(typed, StringComparison.OrdinalIgnoreCase)))
        {
            var text = $"@{{ {Engine.Compliance.PowerShellQuoting.Quote(key)} = '' }}"; // every PowerShell quote character, not just '
            yield return new CompletionResult(text, Engine.UntrustedText.Neutralize(key), CompletionResultType.ParameterValue, Engine.UntrustedText.Neutralize($"{key} (from the {source})"));
        }
    }
}

/// <summary>The store a tab completer reads: the typed -StorePath, resolved against PowerShell's location.</summary>
internal static class CompletionStore
{
    public static IKeyStoreProvider Open(IDictionary? fakeBoundParameters, string? command = null)
    {
        var typed = fakeBoundParameters?["StorePath"] is { } value ? PSObjects.Unwrap(value) as string : null;
        if (string.IsNullOrWhiteSpace(typed)) return KeyStoreProviders.Get(null, command);
        return KeyStoreProviders.Get(ResolveAgainstLocation(typed), command);
    }

    // Completers run inside the host's running pipeline, where Runspace.SessionStateProxy refuses calls; a script block
    // invoked on that thread sees the session's current location (and ~, PSDrives, provider-qualified paths).
    private static readonly ScriptBlock Resolver =
        ScriptBlock.Create("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)");

    private static string ResolveAgainstLocation(string typed)
    {
        try
        {
            var resolved = Resolver.Invoke(typed);
            if (resolved.Count == 1 && resolved[0]?.BaseObject is string path) return path;
        }
        catch (RuntimeException)
        {
            // not a file-system path: fall through to a path that names no store
        }
        throw new IOException($"'{typed}' is not a file-system path.");
    }

}

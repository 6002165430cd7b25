using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Replaces a key's policy, after validation and the lockout safety check.</summary>
[Cmdlet(VerbsCommon.Set, "EncKeyPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = TextSet, HelpUri = HelpLinks.DocsBase + "Set-EncKeyPolicy.md")]
[OutputType(typeof(EncKeyPolicy))]
public sealed class SetEncKeyPolicyCommand : KeyStoreCmdlet
{
    private const string TextSet = "Policy";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string ObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string KeyId { get; set; } = "";

    /// <summary>The policy document as JSON text.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = TextSet)]
    [ValidateNotNullOrEmpty]
    public string Policy { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>A policy object from Get-EncKeyPolicy, a hashtable or object to convert to JSON, or a JSON string.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
    public object? InputObject { get; set; }

    [Parameter]
    public SwitchParameter BypassLockoutSafetyCheck { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(KeyId, () =>
        {
            var text = PolicyText();
            if (text is null) return;
            var what = BypassLockoutSafetyCheck
                ? "Replace key policy WITHOUT the lockout safety check (the policy may leave no one able to change it)"
                : "Replace key policy";
            if (!ShouldProcess(KeyId, what)) return;
            var policy = Store.PutKeyPolicy(KeyId, text, BypassLockoutSafetyCheck);
            if (PassThru) WriteObject(policy);
        });
    }

    private string? PolicyText()
    {
        switch (ParameterSetName)
        {
            case PathSet:
            case LiteralPathSet:
                var files = ResolveFileSystemPaths([ParameterSetName == PathSet ? Path : LiteralPath], ParameterSetName == LiteralPathSet).ToList();
                if (files.Count == 0) return null;
                if (files.Count > 1)
                    throw new PolicyInputException($"-Path matches {files.Count} files; a key has one policy. Name one file.");
                return File.ReadAllText(files[0]);
            case ObjectSet:
                return PSObjects.Unwrap(InputObject) switch
                {
                    null => throw new PolicyInputException("-InputObject is empty."),
                    string s => s,
                    EncKeyPolicy p => p.Policy,
                    IDictionary table => JsonSerializer.Serialize(Plain(table)),
                    var other => JsonSerializer.Serialize(Plain(other)),
                };
            default:
                return Policy;
        }
    }

    /// <summary>Hashtables, arrays and PSObjects as plain dictionaries, lists and scalars, for System.Text.Json.</summary>
    private static object? Plain(object? value) => PSObjects.Unwrap(value) switch
    {
        null => null,
        string s => s,
        bool or int or long or double or decimal => PSObjects.Unwrap(value),
        IDictionary d => d.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture) ?? "", k => Plain(d[k])),
        IEnumerable e => e.Cast<object?>().Select(Plain).ToList(),
        PSObject ps => ps.Properties.ToDictionary(p => p.Name, p => Plain(p.Value)),
        var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture),
    };

    private sealed class PolicyInputException(string message)
        : EncryptionToolsException(ErrorCatalog.InvalidKeyPolicy, message);
}

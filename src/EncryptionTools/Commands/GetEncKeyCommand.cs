using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Gets keys by id, ARN, alias or wildcard, filtered by state and tags.</summary>
[Cmdlet(VerbsCommon.Get, "EncKey", HelpUri = HelpLinks.DocsBase + "Get-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class GetEncKeyCommand : KeyStoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[]? KeyId { get; set; }

    [Parameter]
    public KeyState? KeyState { get; set; }

    /// <summary>Only keys that have every one of these tags (values may contain wildcards).</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(KeyId, () =>
        {
            foreach (var key in KeyQueries.GetKeys(Store, KeyId, KeyState, Tags(Tag), (id, ex) => WriteEngineError(ex, id)))
                WriteObject(key);
        });
    }
}

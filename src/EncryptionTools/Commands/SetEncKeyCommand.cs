using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Changes a key's description, tags, policy, rotation settings or minimum decryption version.</summary>
[Cmdlet(VerbsCommon.Set, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.DocsBase + "Set-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class SetEncKeyCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    [Parameter]
    [ValidateLength(0, 8192)]
    public string? Description { get; set; }

    /// <summary>Tags to add or overwrite.</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    [Parameter]
    public string[]? RemoveTag { get; set; }

    /// <summary>Turns automatic rotation on ($true) or off ($false); not given, it stays as it is.</summary>
    [Parameter]
    public bool? RotationEnabled { get; set; }

    [Parameter]
    [ValidateRange(LocalKeyStore.MinRotationPeriodInDays, LocalKeyStore.MaxRotationPeriodInDays)]
    public int? RotationPeriodInDays { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? MinimumDecryptionVersion { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Policy { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var update = new KeyUpdate
        {
            Description = Description,
            Tags = Tags(Tag),
            RemoveTags = RemoveTag,
            RotationEnabled = RotationEnabled,
            RotationPeriodInDays = RotationPeriodInDays,
            MinimumDecryptionVersion = MinimumDecryptionVersion,
            Policy = Policy,
        };
        foreach (var id in KeyId)
        {
            if (!ShouldProcess(id, "Update key settings")) continue;
            ForItem(id, () =>
            {
                var key = Store.UpdateKey(id, update);
                if (PassThru) WriteObject(key);
            });
        }
    }
}

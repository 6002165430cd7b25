using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Schedules a key's deletion after a pending window of 7 to 30 days (default 30); Restore-EncKey cancels it.</summary>
[Cmdlet(VerbsCommon.Remove, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.DocsBase + "Remove-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class RemoveEncKeyCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    [Parameter]
    [ValidateRange(LocalKeyStore.MinPendingWindowInDays, LocalKeyStore.MaxPendingWindowInDays)]
    public int PendingWindowInDays { get; set; } = LocalKeyStore.DefaultPendingWindowInDays;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
        {
            if (!ShouldProcess(id, $"Schedule key deletion in {PendingWindowInDays} days (files it protects become undecryptable)")) continue;
            ForItem(id, () =>
            {
                var key = Store.ScheduleKeyDeletion(id, PendingWindowInDays);
                WriteWarning($"Key {key.KeyId} will be destroyed on {key.DeletionDate:yyyy-MM-dd}. Until then Restore-EncKey -KeyId {key.KeyId} cancels the deletion.");
                if (PassThru) WriteObject(key);
            });
        }
    }
}

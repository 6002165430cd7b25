using System.Management.Automation;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Reads records of the store's audit log, oldest first, filtered by time, key, principal, action and result.</summary>
[Cmdlet(VerbsCommon.Get, "EncAuditEvent", HelpUri = HelpLinks.DocsBase + "Get-EncAuditEvent.md")]
[OutputType(typeof(AuditEvent))]
public sealed class GetEncAuditEventCommand : KeyStoreCmdlet
{
    [Parameter]
    public DateTime? After { get; set; }

    [Parameter]
    public DateTime? Before { get; set; }

    /// <summary>A key id, ARN or alias (an alias resolves to its key now).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string? KeyId { get; set; }

    [Parameter]
    public string? Principal { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string? Action { get; set; }

    [Parameter]
    public AuditResult? Result { get; set; }

    /// <summary>Only the oldest N matching records.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Only the newest N matching records (still oldest first).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(KeyId, () =>
        {
            string? keyId = null;
            if (KeyId is not null)
                keyId = KeyIds.TryNormalize(KeyId, out var id) ? id : Store.GetKey(KeyId).KeyId;
            var events = Store.QueryAudit(new AuditQuery
            {
                From = After,
                To = Before,
                KeyId = keyId,
                Principal = Principal,
                Action = Action,
                Result = Result,
            });
            IReadOnlyList<AuditEvent> selected = First is { } first ? events.Take(first).ToList() : events;
            if (Last is { } last) selected = selected.Skip(Math.Max(0, selected.Count - last)).ToList();
            WriteObject(selected, enumerateCollection: true);
        });
    }
}

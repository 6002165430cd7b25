using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Module.Commands;

/// <summary>Shows whether a principal may perform an action on keys, and which statement or grant decides.</summary>
[Cmdlet(VerbsDiagnostic.Test, "EncKeyAccess", HelpUri = HelpLinks.DocsBase + "Test-EncKeyAccess.md")]
[OutputType(typeof(AccessDecision))]
public sealed class TestEncKeyAccessCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    /// <summary>A kms: action, such as kms:Decrypt (the kms: prefix may be left out).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string Action { get; set; } = "";

    /// <summary>The user to test (user:, uid: or sid:); by default the caller.</summary>
    [Parameter]
    public string? Principal { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? EncryptionContext { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
            ForItem(id, () => WriteObject(Store.TestKeyAccess(id, Action, Principal, AccessArguments.Context(EncryptionContext))));
    }
}

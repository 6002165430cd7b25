using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Creates a master key (AES-256 from the system RNG, or an RSA key pair) in the key store.</summary>
[Cmdlet(VerbsCommon.New, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.DocsBase + "New-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class NewEncKeyCommand : KeyStoreCmdlet
{
    [Parameter]
    public KeySpec KeySpec { get; set; } = KeySpec.SYMMETRIC_DEFAULT;

    [Parameter(Position = 0)]
    [ValidateLength(0, 8192)]
    public string? Description { get; set; }

    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>An alias (alias/name, or just name) created with the key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Alias { get; set; }

    [Parameter]
    public SwitchParameter Exportable { get; set; }

    /// <summary>Turns automatic rotation on (off by default). Named as on Set-EncKey and the key's own property; -EnableRotation still binds.</summary>
    [Parameter]
    [Alias("EnableRotation")]
    public SwitchParameter RotationEnabled { get; set; }

    [Parameter]
    [ValidateRange(LocalKeyStore.MinRotationPeriodInDays, LocalKeyStore.MaxRotationPeriodInDays)]
    public int? RotationPeriodInDays { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Policy { get; set; }

    protected override void ProcessRecord()
    {
        var what = $"{KeySpec} key" + (Alias is null ? "" : $" with alias '{Aliases.Normalize(Alias)}'");
        if (!ShouldProcess(Store.Location, "Create " + what)) return;
        ForItem(Alias ?? Description, () => WriteObject(Store.NewKey(new NewKeyRequest
        {
            KeySpec = KeySpec,
            Description = Description,
            Tags = Tags(Tag),
            Alias = Alias,
            Exportable = Exportable,
            RotationEnabled = RotationEnabled,
            RotationPeriodInDays = RotationPeriodInDays,
            Policy = Policy,
        })));
    }
}

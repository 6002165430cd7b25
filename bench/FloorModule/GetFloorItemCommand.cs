using System.Management.Automation;

namespace FloorModule;

/// <summary>An object shaped like a key: what Get-EncKey's table shows.</summary>
public sealed class FloorItem
{
    public string KeyId { get; init; } = "00000000-0000-0000-0000-000000000000";
    public string KeyState { get; init; } = "Enabled";
    public int CurrentVersion { get; init; } = 1;
    public string[] Aliases { get; init; } = ["alias/bench"];
}

/// <summary>Writes one object and does nothing else.</summary>
[Cmdlet(VerbsCommon.Get, "FloorItem")]
[OutputType(typeof(FloorItem))]
public sealed class GetFloorItemCommand : PSCmdlet
{
    protected override void ProcessRecord() => WriteObject(new FloorItem());
}

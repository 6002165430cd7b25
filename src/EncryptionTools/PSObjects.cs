using System.Management.Automation;

namespace EncryptionTools.Module;

/// <summary>The one place the module looks through PowerShell's wrapper objects.</summary>
internal static class PSObjects
{
    /// <summary>The object behind a PSObject wrapper; any other value as it is.</summary>
    public static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;
}

using System.Management.Automation;

namespace EncryptionTools.Module;

/// <summary>The one place the module looks through PowerShell's wrapper objects.</summary>
internal static class PSObjects
{
    /// <summary>The object behind a PSObject wrapper; any other value as it is.</summary>
    public static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    /// <summary>
    /// The object with a LiteralPath alias of its path property, so that piping it to a file cmdlet binds -LiteralPath
    /// by property name (never -Path, whose wildcards a name such as 'a[1].csv' would trip). An instance member rather
    /// than type data: a types file would cost every import of the module, used or not.
    /// </summary>
    public static PSObject WithLiteralPath(object value, string pathProperty)
    {
        var ps = PSObject.AsPSObject(value);
        ps.Properties.Add(new PSAliasProperty("LiteralPath", pathProperty));
        return ps;
    }
}

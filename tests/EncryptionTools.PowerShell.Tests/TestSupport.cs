using System.Management.Automation;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Small helpers the cmdlet tests share: variables for a sandbox, and assertions on error records.</summary>
internal static class TestSupport
{
    /// <summary>$store (the sandbox's key store) and $root (its directory), plus any others.</summary>
    public static Dictionary<string, object?> Vars(Sandbox box, params (string Name, object? Value)[] more)
    {
        var vars = new Dictionary<string, object?> { ["store"] = box.StorePath, ["root"] = box.Root };
        foreach (var (name, value) in more) vars[name] = value;
        return vars;
    }

    /// <summary>
    /// The one error the script wrote: its stable id (the part of FullyQualifiedErrorId before the command name), its
    /// category and its target object (compared as text).
    /// </summary>
    public static ErrorRecord SingleError(PsResult r, string id, ErrorCategory category, object? target)
    {
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal(id, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(target?.ToString(), Unwrap(error.TargetObject)?.ToString());
        return error;
    }

    /// <summary>
    /// A terminating error, from a script of the form <c>try { ... } catch { $_ }</c>: only a terminating error reaches
    /// the catch block (a non-terminating one would be in the error stream instead).
    /// </summary>
    public static ErrorRecord CaughtError(PsResult r, string id, ErrorCategory category, object? target)
    {
        r.AssertNoErrors();
        var error = Assert.IsType<ErrorRecord>(Assert.Single(r.Output).BaseObject);
        Assert.Equal(id, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(target?.ToString(), Unwrap(error.TargetObject)?.ToString());
        return error;
    }

    public static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    /// <summary>
    /// An output object's type name and a property, read through PowerShell's view of it: this process does not load
    /// the engine assembly itself (the module's copy is the one PowerShell uses).
    /// </summary>
    public static PSObject OfType(PSObject o, string typeName)
    {
        Assert.Equal(typeName, o.BaseObject.GetType().FullName);
        return o;
    }

    public static object? Prop(PSObject o, string name) => Unwrap(o.Properties[name]?.Value);
}

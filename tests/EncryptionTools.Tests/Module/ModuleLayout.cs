using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;

namespace EncryptionTools.Tests.Module;

/// <summary>Where the repository and the built module are, and what the compiled cmdlets are, found by reflection.</summary>
internal static class ModuleLayout
{
    public static string RepoRoot => Engine.RepoPaths.Root;

    public static string ManifestPath => Path.Combine(RepoRoot, "EncryptionTools.psd1");
    public static string ManifestText => File.ReadAllText(ManifestPath);
    public static Assembly ModuleAssembly => typeof(EncryptionTools.Module.EncryptionToolsCmdlet).Assembly;

    /// <summary>Every exported cmdlet class, keyed by its Verb-Noun name.</summary>
    public static IReadOnlyDictionary<string, Type> Cmdlets { get; } = ModuleAssembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsPublic: true } && Attribute<CmdletAttribute>(t) is not null)
        .ToDictionary(Name, StringComparer.OrdinalIgnoreCase);

    // The stub System.Management.Automation returns defaults from attribute properties, so attributes are read
    // from their metadata (constructor and named arguments) instead.
    public static CustomAttributeData? Attribute<T>(MemberInfo member) where T : Attribute =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType == typeof(T));

    public static IEnumerable<CustomAttributeData> Attributes<T>(MemberInfo member) where T : Attribute =>
        member.GetCustomAttributesData().Where(a => a.AttributeType == typeof(T));

    public static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name).TypedValue.Value;

    public static string Verb(Type cmdlet) => (string)Attribute<CmdletAttribute>(cmdlet)!.ConstructorArguments[0].Value!;
    public static string Noun(Type cmdlet) => (string)Attribute<CmdletAttribute>(cmdlet)!.ConstructorArguments[1].Value!;
    public static string Name(Type cmdlet) => $"{Verb(cmdlet)}-{Noun(cmdlet)}";

    /// <summary>The strings of a params-string[] constructor argument (AliasAttribute).</summary>
    public static IEnumerable<string> StringArgs(CustomAttributeData? attribute) =>
        attribute is null ? [] : attribute.ConstructorArguments
            .SelectMany(a => a.Value is IEnumerable<CustomAttributeTypedArgument> items ? items.Select(i => (string)i.Value!) : [(string)a.Value!]);

    /// <summary>Public parameters of a cmdlet, as PowerShell binds them (common parameters excluded).</summary>
    public static IEnumerable<PropertyInfo> Parameters(Type cmdlet) =>
        cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => Attributes<ParameterAttribute>(p).Any());

    /// <summary>The string items of a manifest key such as CmdletsToExport = @('a', 'b').</summary>
    public static IReadOnlyList<string> ManifestList(string key)
    {
        var match = Regex.Match(ManifestText, key + @"\s*=\s*@\((?<items>[^)]*)\)", RegexOptions.Singleline);
        Assert.True(match.Success, $"The manifest has no {key} = @(...) list.");
        return Regex.Matches(match.Groups["items"].Value, "'([^']*)'").Select(m => m.Groups[1].Value).ToList();
    }

    public static string ManifestValue(string key)
    {
        var match = Regex.Match(ManifestText, key + @"\s*=\s*'(?<v>[^']*)'");
        Assert.True(match.Success, $"The manifest has no {key} = '...'.");
        return match.Groups["v"].Value;
    }
}

using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using EncryptionTools.Engine.Store;
using EncryptionTools.Module;

namespace EncryptionTools.Tests.Store;

/// <summary>The store cmdlets' conventions, checked by reflection over the module assembly (no PowerShell host needed).</summary>
public class StoreCmdletTests
{
    private static readonly Type[] Cmdlets = typeof(KeyStoreCmdlet).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(KeyStoreCmdlet)) && !t.IsAbstract && !IsFileCmdlet(t)).OrderBy(t => t.Name).ToArray();

    /// <summary>The file cmdlets (issue 4) also use the store; Module/FileCmdletTests holds their rules.</summary>
    private static bool IsFileCmdlet(Type t) => t.IsSubclassOf(typeof(FileCmdlet)) && t.Name != "InvokeEncKeyRotationCommand";

    public static TheoryData<Type> CmdletTypes() { var data = new TheoryData<Type>(); foreach (var t in Cmdlets) data.Add(t); return data; }

    private static (string VerbName, string NounName) Attr(Type t)
    {
        var data = t.GetCustomAttributesData().Single(a => a.AttributeType == typeof(CmdletAttribute));
        return ((string)data.ConstructorArguments[0].Value!, (string)data.ConstructorArguments[1].Value!);
    }

    /// <summary>A named argument of an attribute as compiled: the stub System.Management.Automation's properties do not keep values.</summary>
    private static object? Named(MemberInfo member, Type attribute, string name) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType == attribute)
            .SelectMany(a => a.NamedArguments).Where(n => n.MemberName == name).Select(n => n.TypedValue.Value).FirstOrDefault();
    private static string Name(Type t) => Attr(t).VerbName + "-" + Attr(t).NounName;

    /// <summary>PowerShell's approved verbs (Get-Verb), as of PowerShell 7.4.</summary>
    private static readonly HashSet<string> ApprovedVerbs =
    [
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move", "New", "Open", "Optimize",
        "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select", "Set", "Show", "Skip", "Split", "Step", "Switch",
        "Undo", "Unlock", "Watch", "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit",
        "Expand", "Export", "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore", "Save", "Sync",
        "Unpublish", "Update", "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke",
        "Register", "Request", "Restart", "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister", "Wait", "Debug",
        "Measure", "Ping", "Repair", "Resolve", "Test", "Trace", "Connect", "Disconnect", "Read", "Receive", "Send", "Write", "Block",
        "Grant", "Protect", "Revoke", "Unblock", "Unprotect", "Use",
    ];

    private static readonly string[] Writers =
        ["New-EncKey", "Set-EncKey", "Enable-EncKey", "Disable-EncKey", "Remove-EncKey", "Restore-EncKey", "New-EncKeyAlias", "Set-EncKeyAlias",
         "Remove-EncKeyAlias", "Invoke-EncKeyRotation", "Import-EncKey", "Export-EncKey", "Set-EncKeyStore",
         "Set-EncKeyPolicy", "Grant-EncKeyAccess", "Revoke-EncKeyAccess", "Remove-EncKeyGrant", "Backup-EncKeyStore", "Restore-EncKeyStore"];

    [Fact]
    public void Every_cmdlet_of_the_issue_exists()
    {
        string[] expected =
        [
            "New-EncKey", "Get-EncKey", "Set-EncKey", "Enable-EncKey", "Disable-EncKey", "Remove-EncKey", "Restore-EncKey",
            "New-EncKeyAlias", "Get-EncKeyAlias", "Set-EncKeyAlias", "Remove-EncKeyAlias", "Invoke-EncKeyRotation", "Get-EncKeyRotation",
            "Import-EncKey", "Export-EncKey", "Unlock-EncKeyStore", "Lock-EncKeyStore", "Get-EncKeyStore", "Set-EncKeyStore",
            // issue 5: key policies, grants and the audit log
            "Get-EncKeyPolicy", "Set-EncKeyPolicy", "Test-EncKeyAccess", "Grant-EncKeyAccess", "Get-EncKeyGrant", "Revoke-EncKeyAccess",
            "Remove-EncKeyGrant", "Get-EncAuditEvent", "Test-EncAuditLog",
            // keys and stores that move: whole-store backup and restore
            "Backup-EncKeyStore", "Restore-EncKeyStore",
        ];
        Assert.Equal(expected.Order(), Cmdlets.Select(Name).Order());
    }

    [Theory]
    [MemberData(nameof(CmdletTypes))]
    public void Each_cmdlet_has_an_approved_verb_its_class_name_an_OutputType_and_StorePath(Type type)
    {
        Assert.Contains(Attr(type).VerbName, ApprovedVerbs);
        Assert.Equal(Attr(type).VerbName + Attr(type).NounName + "Command", type.Name);
        Assert.NotEmpty(type.GetCustomAttributes<OutputTypeAttribute>());
        var storePath = type.GetProperty("StorePath")!;
        Assert.NotNull(storePath.GetCustomAttribute<ParameterAttribute>());
    }

    [Theory]
    [MemberData(nameof(CmdletTypes))]
    public void Cmdlets_that_write_support_ShouldProcess_with_the_right_impact(Type type)
    {
        Assert.Equal(Writers.Contains(Name(type)), Named(type, typeof(CmdletAttribute), "SupportsShouldProcess") is true);
        if (Name(type) is "Remove-EncKey" or "Invoke-EncKeyRotation" or "Export-EncKey" or "Set-EncKeyStore" or "Set-EncKeyPolicy" or "Revoke-EncKeyAccess")
            Assert.Equal((int)ConfirmImpact.High, Named(type, typeof(CmdletAttribute), "ConfirmImpact"));
    }

    [Theory]
    [MemberData(nameof(CmdletTypes))]
    public void KeyId_parameters_bind_key_objects_from_the_pipeline_and_complete(Type type)
    {
        var keyId = type.GetProperty("KeyId");
        if (keyId is null) return;
        if (type.Name != "SetEncKeyAliasCommand") // there -KeyId is the new target, given explicitly
            Assert.Equal(true, Named(keyId, typeof(ParameterAttribute), "ValueFromPipelineByPropertyName"));
        var completer = keyId.GetCustomAttributesData().Single(a => a.AttributeType == typeof(ArgumentCompleterAttribute));
        Assert.Equal(typeof(EncKeyCompleter), completer.ConstructorArguments[0].Value);
    }

    [Fact]
    public void Key_objects_bind_because_they_have_a_KeyId_and_convert_to_it()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        Assert.Equal(key.KeyId, key.ToString()); // -KeyId $key, coerced to string
        Assert.NotNull(typeof(EncKeyAlias).GetProperty("KeyId"));
        Assert.NotNull(typeof(EncKeyExport).GetProperty("KeyNamespace")); // Export | Import binds by property name
        Assert.NotNull(typeof(EncKeyExport).GetProperty("KeyMaterialBase64"));
    }

    [Fact]
    public void The_manifest_exports_every_cmdlet_in_a_sorted_explicit_list()
    {
        var manifest = File.ReadAllText(Path.Combine(Engine.RepoPaths.Root, "EncryptionTools.psd1"));
        var block = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value;
        var listed = Regex.Matches(block, "'([^']+)'").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(listed.Order(StringComparer.OrdinalIgnoreCase), listed);
        foreach (var type in Cmdlets) Assert.Contains(Name(type), listed);
    }

    [Fact]
    public void Every_output_type_has_a_table_view()
    {
        var format = File.ReadAllText(Path.Combine(Engine.RepoPaths.Root, "src", "EncryptionTools", "EncryptionTools.Format.ps1xml"));
        var outputs = Cmdlets.SelectMany(t => t.GetCustomAttributesData()).Where(a => a.AttributeType == typeof(OutputTypeAttribute))
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(a => ((Type)a.Value!).FullName!).Where(n => !n.StartsWith("System.", StringComparison.Ordinal)).Distinct().ToList();
        foreach (var output in outputs)
            Assert.Contains($"<TypeName>{output}</TypeName>", format);
    }

    [Fact]
    public void Every_cmdlet_has_a_platyPS_page_with_two_examples()
    {
        foreach (var type in Cmdlets)
        {
            var path = Path.Combine(Engine.RepoPaths.Root, "docs", Name(type) + ".md");
            Assert.True(File.Exists(path), "missing " + path);
            var text = File.ReadAllText(path);
            Assert.Contains("external help file: EncryptionTools.dll-Help.xml", text);
            Assert.Contains("Module Name: EncryptionTools", text);
            foreach (var section in new[] { "## SYNOPSIS", "## SYNTAX", "## DESCRIPTION", "## EXAMPLES", "## PARAMETERS", "## INPUTS", "## OUTPUTS", "## NOTES", "## RELATED LINKS" })
                Assert.Contains(section, text);
            Assert.True(Regex.Matches(text, "^### Example ", RegexOptions.Multiline).Count >= 2, Name(type) + " needs two examples");
            foreach (var property in type.GetProperties().Where(p => p.GetCustomAttributes<ParameterAttribute>().Any()))
                Assert.Contains("### -" + property.Name, text);
        }
    }

    [Fact]
    public void Each_cmdlet_has_a_Pester_Describe()
    {
        var pester = Directory.GetFiles(Path.Combine(Engine.RepoPaths.Root, "tests"), "*.Tests.ps1").Select(File.ReadAllText).ToList();
        foreach (var type in Cmdlets)
            Assert.Contains(pester, text => text.Contains($"Describe '{Name(type)}'", StringComparison.Ordinal));
    }
}

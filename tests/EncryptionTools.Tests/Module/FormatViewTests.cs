using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;

namespace EncryptionTools.Tests.Module;

/// <summary>
/// The format and type files load only in a real host, so the rules PowerShell applies to them are checked here:
/// the structure its schema requires, columns that match their headers, and names that resolve to real types and
/// properties. And every object a cmdlet emits has a table view.
/// </summary>
public class FormatViewTests
{
    private static string ModuleDir => Path.Combine(ModuleLayout.RepoRoot, "src", "EncryptionTools");
    private static XDocument Format => XDocument.Load(Path.Combine(ModuleDir, "EncryptionTools.Format.ps1xml"));

    private static readonly Assembly[] Assemblies =
        [typeof(EncryptionTools.Engine.EncryptionToolsException).Assembly, ModuleLayout.ModuleAssembly];

    private static Type? Resolve(string name) =>
        Assemblies.Select(a => a.GetType(name)).FirstOrDefault(t => t is not null) ?? Type.GetType(name);

    private static IEnumerable<XElement> Views => Format.Root!.Element("ViewDefinitions")!.Elements("View");

    [Fact]
    public void EveryViewHasTheStructureTheSchemaRequires()
    {
        Assert.Equal("Configuration", Format.Root!.Name.LocalName);
        var names = new HashSet<string>();
        foreach (var view in Views)
        {
            var name = view.Element("Name")?.Value;
            Assert.False(string.IsNullOrWhiteSpace(name), "A view has no Name.");
            Assert.True(names.Add(name!), $"View name '{name}' repeats.");
            var selected = view.Element("ViewSelectedBy")?.Elements("TypeName").Select(e => e.Value).ToList();
            Assert.True(selected is { Count: > 0 }, $"View '{name}' selects no type.");
            var controls = view.Elements().Where(e => e.Name.LocalName.EndsWith("Control", StringComparison.Ordinal)).ToList();
            Assert.True(controls.Count == 1, $"View '{name}' must have exactly one control.");
            foreach (var typeName in selected!)
            {
                var type = Resolve(typeName);
                Assert.True(type is not null, $"View '{name}' selects '{typeName}', which is not a type of the module.");
                CheckControl(name!, type!, controls[0]);
            }
        }
    }

    private static void CheckControl(string view, Type type, XElement control)
    {
        switch (control.Name.LocalName)
        {
            case "TableControl":
                var headers = control.Element("TableHeaders")!.Elements("TableColumnHeader").Count();
                var rows = control.Element("TableRowEntries")!.Elements("TableRowEntry").ToList();
                Assert.NotEmpty(rows);
                foreach (var row in rows)
                {
                    var items = row.Element("TableColumnItems")!.Elements("TableColumnItem").ToList();
                    Assert.True(headers == items.Count, $"View '{view}': {headers} headers but {items.Count} column items.");
                    foreach (var item in items) CheckItem(view, type, item);
                }
                break;
            case "ListControl":
                foreach (var item in control.Descendants("ListItem")) CheckItem(view, type, item);
                break;
            default:
                Assert.Fail($"View '{view}' uses {control.Name.LocalName}; only table and list views are expected.");
                break;
        }
    }

    private static void CheckItem(string view, Type type, XElement item)
    {
        var property = item.Element("PropertyName")?.Value;
        var script = item.Element("ScriptBlock")?.Value;
        Assert.True(property is null != (script is null), $"View '{view}': an item needs exactly one of PropertyName or ScriptBlock.");
        if (property is not null)
            Assert.True(type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance) is not null,
                $"View '{view}': {type.Name} has no property '{property}'.");
    }

    [Fact]
    public void EveryTypeACmdletEmitsHasATableView()
    {
        var viewed = Views.Where(v => v.Element("TableControl") is not null)
            .SelectMany(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Select(e => e.Value)).ToHashSet();
        var emitted = ModuleLayout.Cmdlets.Values
            .SelectMany(ModuleLayout.Attributes<OutputTypeAttribute>)
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : [arg.Value])
            .Select(v => v is Type t ? t.FullName! : (string)v!)
            .Where(n => n.StartsWith("EncryptionTools.", StringComparison.Ordinal))
            .Distinct();
        Assert.All(emitted, n => Assert.True(viewed.Contains(n), $"{n} is emitted by a cmdlet but has no table view."));
    }

    /// <summary>
    /// PowerShell sizes a table by content when a column other than the last has no width, then squeezes the last
    /// column to one character; and columns that do not fit are dropped. So every column but the last has a width, a
    /// width never cuts its own label, and at 80 columns the fixed ones leave the last at least 12 characters.
    /// </summary>
    [Fact]
    public void TablesFitEightyColumnsWithRoomForTheirLastColumn()
    {
        foreach (var view in Views.Where(v => v.Element("TableControl") is not null))
        {
            var name = view.Element("Name")!.Value;
            var headers = view.Element("TableControl")!.Element("TableHeaders")!.Elements("TableColumnHeader").ToList();
            var widths = headers.Select(h => int.TryParse(h.Element("Width")?.Value, out var w) ? w : 0).ToList();
            for (var i = 0; i < headers.Count - 1; i++)
            {
                Assert.True(widths[i] > 0, $"View '{name}': column '{headers[i].Element("Label")!.Value}' has no width and is not the last.");
                Assert.True(widths[i] >= headers[i].Element("Label")!.Value.Length, $"View '{name}': column '{headers[i].Element("Label")!.Value}' is narrower than its label.");
            }
            var last = headers[^1].Element("Label")!.Value;
            var room = 80 - widths.Take(headers.Count - 1).Sum() - (headers.Count - 1);
            Assert.True(widths[^1] > 0 ? widths.Sum() + headers.Count - 1 <= 80 : room >= Math.Max(12, last.Length),
                $"View '{name}': at 80 columns its last column '{last}' gets {room} characters.");
        }
    }

    [Fact]
    public void TheModuleShipsNoTypeData()
    {
        // A types file costs every import PowerShell's first-use work of loading one; the views cover display and
        // file results carry their LiteralPath alias as an instance member.
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex(@"^\s*TypesToProcess\s*=", System.Text.RegularExpressions.RegexOptions.Multiline), ModuleLayout.ManifestText);
        Assert.Empty(Directory.EnumerateFiles(ModuleDir, "*.Types.ps1xml"));
    }

    [Theory]
    [InlineData("EncryptionTools.Engine.Inspection.EncryptedFileInfo")]
    [InlineData("EncryptionTools.Engine.Inspection.EncryptedDataKeyInfo")]
    [InlineData("EncryptionTools.Engine.Files.FileOperationResult")]
    [InlineData("EncryptionTools.Engine.Files.RewrapResult")]
    [InlineData("EncryptionTools.Engine.Compliance.ComplianceFinding")]
    [InlineData("EncryptionTools.Engine.Audit.AuditEvent")]
    [InlineData("EncryptionTools.Engine.Store.EncKeyPackage")]
    public void TypesThatCarryFileTextOrKeyMaterialHaveAListView(string type)
    {
        // Without one, Format-List prints every property raw: a header's or a file name's control characters, or the
        // key material of a package.
        Assert.Contains(Views, v => v.Element("ViewSelectedBy")!.Elements("TypeName").Any(t => t.Value == type) && v.Element("ListControl") is not null);
    }
}

using System.Text.RegularExpressions;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Architecture;

/// <summary>In the folders that follow it, a file holds one top-level type named as the file, so a name never hides a type.</summary>
public partial class OneTypePerFileTests
{
    /// <summary>Folders of the engine that follow the rule; add a folder once its files are split.</summary>
    private static readonly string[] Folders = ["Access", "Audit", "Format", "IO", "Inspection", "Keyrings"];

    /// <summary>Error files gather a family's exceptions on purpose (they move to the error catalog).</summary>
    private static bool IsErrorFile(string name) => name.EndsWith("Errors.cs", StringComparison.Ordinal) || name == "AuditTypes.cs";

    [GeneratedRegex(@"^(?:(?:public|internal|file)\s+)?(?:(?:sealed|static|abstract|readonly|partial|ref)\s+)*(?:record\s+struct|record\s+class|record|class|struct|interface|enum)\s+([A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [Fact]
    public void EachFileHoldsOneTypeNamedAsTheFile()
    {
        var engine = Path.Combine(RepoPaths.Root, "src", "EncryptionTools.Engine");
        var wrong = new List<string>();
        foreach (var folder in Folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(engine, folder), "*.cs"))
            {
                var name = Path.GetFileName(file);
                if (IsErrorFile(name)) continue;
                var types = TopLevelType().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).ToList();
                var expected = name.Split('.')[0]; // AuditLog.Query.cs is part of AuditLog
                if (types.Count > 1 || types.Any(t => t != expected))
                    wrong.Add($"{folder}/{name}: {string.Join(", ", types)}");
            }
        Assert.True(wrong.Count == 0, "Files whose name hides a type:\n" + string.Join("\n", wrong));
    }
}

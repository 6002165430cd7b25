using System.Text.RegularExpressions;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Architecture;

/// <summary>
/// The engine's folders are layers (docs/architecture.md): a type may use types of its own layer and of the layers
/// listed for it here, never one above. Read from the compiled engine, so no reference can hide.
/// </summary>
public class LayeringTests
{
    /// <summary>Each layer and the layers it may use. "" is the root namespace: the shared error types and UntrustedText.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        [""] = [],
        ["IO"] = [""],
        ["Format"] = [""],
        ["Keyrings"] = ["", "Format"],
        ["Streaming"] = ["", "Format", "Keyrings"],
        ["Files"] = ["", "IO", "Format", "Keyrings", "Streaming"],
        ["Inspection"] = ["", "IO", "Format", "Keyrings", "Streaming", "Files"],
        ["Access"] = ["", "Format"],
        ["Audit"] = ["", "IO", "Access"],
        ["Store"] = ["", "IO", "Format", "Keyrings", "Streaming", "Access", "Audit"],
        ["Operations"] = ["", "IO", "Format", "Keyrings", "Streaming", "Files", "Inspection", "Access", "Audit", "Store"],
        ["Compliance"] = ["", "IO", "Format", "Keyrings", "Streaming", "Files", "Inspection", "Access", "Audit", "Store", "Operations"],
    };

    /// <summary>
    /// Types that break the rule today, each with the layers it still reaches and why. A stale entry fails too,
    /// so the list only shrinks.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string[]> Pending = new Dictionary<string, string[]>
    {
    };

    [Fact]
    public void NoTypeUsesALayerAboveIts()
    {
        var violations = EngineDependencies.CrossLayerEdges()
            .Where(e => !Allowed[EngineDependencies.LayerOf(e.From)].Contains(EngineDependencies.LayerOf(e.To)))
            .Where(e => !(Pending.TryGetValue(e.From.FullName!, out var ok) && ok.Contains(EngineDependencies.LayerOf(e.To))))
            .Select(e => e.ToString()).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
        Assert.True(violations.Count == 0, "Arrows back between engine layers:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void PendingExceptionsAreStillNeeded()
    {
        var edges = EngineDependencies.CrossLayerEdges();
        foreach (var (type, layers) in Pending)
            foreach (var layer in layers)
                Assert.True(edges.Any(e => e.From.FullName == type && EngineDependencies.LayerOf(e.To) == layer),
                    $"{type} no longer uses {layer}: remove it from LayeringTests.Pending.");
    }

    [Fact]
    public void EveryLayerIsPlaced()
    {
        var layers = EngineDependencies.Engine.GetTypes().Where(EngineDependencies.InEngine).Select(EngineDependencies.LayerOf).Distinct();
        Assert.All(layers, l => Assert.True(Allowed.ContainsKey(l), $"Layer '{l}' is new: give it its place in LayeringTests.Allowed and docs/architecture.md."));
    }

    [Fact]
    public void TheAllowedArrowsHaveNoCycle()
    {
        var state = new Dictionary<string, int>(); // 1 visiting, 2 done
        void Visit(string layer, List<string> path)
        {
            if (state.GetValueOrDefault(layer) == 2) return;
            Assert.False(state.GetValueOrDefault(layer) == 1, "Cycle: " + string.Join(" -> ", path.Append(layer)));
            state[layer] = 1;
            foreach (var next in Allowed[layer]) Visit(next, [.. path, layer]);
            state[layer] = 2;
        }
        foreach (var layer in Allowed.Keys) Visit(layer, []);
    }

    [Fact]
    public void TheScanSeesReferencesInMethodBodies()
    {
        // A guard on the scanner itself: Streaming reaches Format only inside method bodies in places, and Files
        // calls Streaming's encryptor; if the scanner went blind these arrows would vanish and the test above pass vacuously.
        var edges = EngineDependencies.CrossLayerEdges();
        Assert.Contains(edges, e => e.From.Name == "FileProtector" && e.To.Name == "MessageEncryptor");
        Assert.Contains(edges, e => e.From.Name == "MessageEncryptor" && e.To.Name == "HeaderReserve");
    }

    [Fact]
    public void EachSourceFileLivesInTheFolderOfItsNamespace()
    {
        var root = Path.Combine(RepoPaths.Root, "src", "EncryptionTools.Engine");
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal)) continue;
            var folder = Path.GetDirectoryName(relative)!.Replace(Path.DirectorySeparatorChar, '.');
            var expected = folder.Length == 0 ? EngineDependencies.Root : EngineDependencies.Root + "." + folder;
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"^namespace\s+([\w.]+)", RegexOptions.Multiline))
                if (m.Groups[1].Value != expected) wrong.Add($"{relative}: namespace {m.Groups[1].Value}, expected {expected}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}

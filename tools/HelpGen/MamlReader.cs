using System.Xml.Linq;

namespace EncryptionTools.HelpGen;

/// <summary>
/// Reads back what a MAML file documents, so a coverage test can compare it with the cmdlets the module exports.
/// Works on any platyPS-style MAML, not only on this tool's output.
/// </summary>
public static class MamlReader
{
    private static readonly XNamespace Command = MamlWriter.CommandNs;
    private static readonly XNamespace Maml = MamlWriter.MamlNs;

    /// <summary>Command names in file order.</summary>
    public static IReadOnlyList<string> ReadCommandNames(string mamlPath) =>
        Commands(mamlPath).Select(CommandName).ToList();

    /// <summary>
    /// Command name → parameter names from its command:parameters section (file order).
    /// Keys compare case-insensitively, like PowerShell command names.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadParameters(string mamlPath)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var cmd in Commands(mamlPath))
        {
            var names = cmd.Element(Command + "parameters")?.Elements(Command + "parameter")
                .Select(p => ((string?)p.Element(Maml + "name") ?? "").Trim())
                .ToList() ?? [];
            result[CommandName(cmd)] = names;
        }
        return result;
    }

    private static IEnumerable<XElement> Commands(string mamlPath)
    {
        var doc = XDocument.Load(mamlPath);
        return doc.Root?.Elements(Command + "command") ?? [];
    }

    private static string CommandName(XElement cmd) =>
        ((string?)cmd.Element(Command + "details")?.Element(Command + "name") ?? "").Trim();
}

using System.Text.RegularExpressions;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>One PowerShell example from the docs: where it is, and its code as a reader would paste it.</summary>
public sealed record DocumentedExample(string Source, int Number, string Title, string Code)
{
    /// <summary>"Protect-File#2", "README#1": the key the fixture's per-example setup uses.</summary>
    public string Id => $"{Source}#{Number}";

    public bool UsesPester => Regex.IsMatch(Code, @"^\s*(It|Describe|Context)\s+['""]", RegexOptions.Multiline);

    public override string ToString() => Id;

    public static string RepoRoot
    {
        get
        {
            var root = AppContext.BaseDirectory;
            while (root is not null && !File.Exists(Path.Combine(root, "EncryptionTools.sln"))) root = Path.GetDirectoryName(root);
            return root ?? throw new InvalidOperationException("No EncryptionTools.sln above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Every example: each docs/Verb-Noun.md page's EXAMPLES section, then each powershell block of the README.</summary>
    public static IReadOnlyList<DocumentedExample> All()
    {
        var list = new List<DocumentedExample>();
        foreach (var page in Directory.EnumerateFiles(Path.Combine(RepoRoot, "docs"), "*-*.md").Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(page).ReplaceLineEndings("\n");
            var start = text.IndexOf("\n## EXAMPLES\n", StringComparison.Ordinal);
            if (start < 0) continue;
            var end = text.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
            var section = end < 0 ? text[start..] : text[start..end];
            var name = Path.GetFileNameWithoutExtension(page);
            var n = 0;
            foreach (Match m in Regex.Matches(section, @"\n### (?<title>[^\n]*)\n```powershell\n(?<code>.*?)\n```", RegexOptions.Singleline))
                list.Add(new DocumentedExample(name, ++n, m.Groups["title"].Value, StripPrompts(m.Groups["code"].Value)));
        }
        var readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md")).ReplaceLineEndings("\n");
        var r = 0;
        foreach (Match m in Regex.Matches(readme, @"```powershell\n(?<code>.*?)\n```", RegexOptions.Singleline))
            list.Add(new DocumentedExample("README", ++r, "README", StripPrompts(m.Groups["code"].Value)));
        return list;
    }

    /// <summary>"PS C:\> " and "PS /> " are what the reader sees, not what they type.</summary>
    private static string StripPrompts(string code) => Regex.Replace(code, @"^PS [^>\n]*> ", "", RegexOptions.Multiline);
}

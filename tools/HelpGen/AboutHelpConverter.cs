using System.Text;
using System.Text.RegularExpressions;

namespace EncryptionTools.HelpGen;

/// <summary>
/// Turns an about_*.md topic into the about_*.help.txt layout platyPS writes: TOPIC, then upper-case
/// section names at column 0, body text indented by 4 and wrapped at 80 columns, code indented by 4 and never wrapped.
/// </summary>
public static class AboutHelpConverter
{
    public const int Width = 80;
    private const string Indent = "    ";

    // platyPS's about template uses "{{ Short Description Placeholder }}"; cmdlet pages use "{{ Fill ... }}".
    private static readonly Regex PlaceholderRx = new(@"\{\{[^}]*(?:Placeholder|Fill |Add |Insert )[^}]*\}\}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex ListItemRx = new(@"^((?:[-*+]|\d+[.)])\s+)", RegexOptions.CultureInvariant);

    /// <summary>"about_Foo" for ".../about_Foo.md".</summary>
    public static string TopicName(string path) => Path.GetFileNameWithoutExtension(path);

    /// <summary>Output file name, e.g. "about_Foo.help.txt".</summary>
    public static string OutputFileName(string path) => TopicName(path) + ".help.txt";

    public static string ConvertFile(string path) => Convert(MarkdownBlocks.ReadText(path), path);

    public static string Convert(string markdown, string path)
    {
        string topic = TopicName(path);
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var m = PlaceholderRx.Match(lines[i]);
            if (m.Success) throw new HelpFormatException(path, i + 1, $"platyPS placeholder '{m.Value}' was never filled in");
        }

        // About topics may carry front matter too; it is not part of the text.
        MarkdownHelpParser.ReadFrontMatter(lines, path, out int bodyStart);
        var blocks = MarkdownBlocks.Parse(lines[bodyStart..], bodyStart + 1, path);

        if (blocks.Count == 0 || blocks[0].Kind != BlockKind.Heading || blocks[0].Level != 1)
            throw new HelpFormatException(path, blocks.Count > 0 ? blocks[0].Line : 1, $"expected a '# {topic}' heading first");

        // Both layouts are accepted: '# about_Foo', or platyPS's template '# Foo' followed by '## about_Foo'.
        int start = 1;
        string title = blocks[0].Text;
        if (blocks.Count > 1 && blocks[1].Kind == BlockKind.Heading && blocks[1].Level == 2
            && blocks[1].Text.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
        {
            title = blocks[1].Text;
            start = 2;
        }
        if (!title.Equals(topic, StringComparison.OrdinalIgnoreCase))
            throw new HelpFormatException(path, blocks[start - 1].Line, $"topic heading '{title}' does not match the file name '{Path.GetFileName(path)}'");

        var sections = blocks.Skip(start).Where(b => b.Kind == BlockKind.Heading && b.Level <= 2).ToList();
        foreach (var required in new[] { "SHORT DESCRIPTION", "LONG DESCRIPTION" })
        {
            var h = sections.FirstOrDefault(b => b.Text.Equals(required, StringComparison.OrdinalIgnoreCase));
            if (h is null)
                throw new HelpFormatException(path, 0, $"missing '## {required}' section");
            int idx = blocks.IndexOf(h);
            if (idx + 1 >= blocks.Count || blocks[idx + 1].Kind == BlockKind.Heading)
                throw new HelpFormatException(path, h.Line, $"'## {required}' is empty");
        }
        if (start < blocks.Count && !(blocks[start].Kind == BlockKind.Heading && blocks[start].Level <= 2))
            throw new HelpFormatException(path, blocks[start].Line, "text before the first '## ' section; start with '## SHORT DESCRIPTION'");

        var sb = new StringBuilder();
        sb.Append("TOPIC\n").Append(Indent).Append(title).Append("\n\n");
        foreach (var b in blocks.Skip(start))
        {
            switch (b.Kind)
            {
                case BlockKind.Heading when b.Level <= 2:
                    sb.Append(b.Text.ToUpperInvariant()).Append('\n');
                    break;
                case BlockKind.Heading:
                    sb.Append(Indent).Append(MarkdownText.Inline(b.Text).ToUpperInvariant()).Append("\n\n");
                    break;
                case BlockKind.Code:
                    foreach (var line in b.Lines)
                        sb.Append(line.Length == 0 ? "" : Indent + line).Append('\n');
                    sb.Append('\n');
                    break;
                default:
                    foreach (var line in MarkdownText.ParagraphLines(b.Lines))
                        AppendWrapped(sb, line);
                    sb.Append('\n');
                    break;
            }
        }
        return sb.ToString().TrimEnd('\n', ' ') + "\n";
    }

    private static void AppendWrapped(StringBuilder sb, string line)
    {
        // Table rows would break if wrapped; list items get a hanging indent under their text.
        if (line.StartsWith('|'))
        {
            sb.Append(Indent).Append(line).Append('\n');
            return;
        }
        var list = ListItemRx.Match(line);
        string hanging = Indent + (list.Success ? new string(' ', list.Length) : "");
        var current = new StringBuilder(Indent);
        bool empty = true;
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && current.Length + 1 + word.Length > Width)
            {
                sb.Append(current).Append('\n');
                current.Clear().Append(hanging);
                empty = true;
            }
            if (!empty) current.Append(' ');
            current.Append(word);
            empty = false;
        }
        if (!empty) sb.Append(current).Append('\n');
    }
}

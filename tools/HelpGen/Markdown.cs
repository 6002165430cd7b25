using System.Text;
using System.Text.RegularExpressions;

namespace EncryptionTools.HelpGen;

/// <summary>Thrown for a page that does not follow the platyPS layout. The message names the file, line and problem.</summary>
public sealed class HelpFormatException : Exception
{
    public HelpFormatException(string filePath, int line, string problem)
        : base(line > 0 ? $"{filePath}:{line}: {problem}" : $"{filePath}: {problem}")
    {
        FilePath = filePath;
        Line = line;
        Problem = problem;
    }

    public string FilePath { get; }
    /// <summary>1-based line in the file, or 0 when the problem is about the whole file.</summary>
    public int Line { get; }
    public string Problem { get; }
}

public enum BlockKind { Heading, Paragraph, Code }

/// <summary>A block of markdown. Line is 1-based in the original file (front matter included).</summary>
public sealed record Block(BlockKind Kind, int Line, int Level, string Text, string Info, IReadOnlyList<string> Lines);

/// <summary>
/// Just enough CommonMark for platyPS pages: ATX headings, fenced code, paragraphs.
/// A real markdown library would be a package; the platyPS layout does not need one.
/// </summary>
public static class MarkdownBlocks
{
    private static readonly Regex HeadingRx = new(@"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$", RegexOptions.CultureInvariant);
    private static readonly Regex FenceRx = new(@"^( {0,3})(`{3,}|~{3,})[ \t]*([^`]*?)[ \t]*$", RegexOptions.CultureInvariant);

    /// <summary>Reads a file as UTF-8 (BOM tolerated) with LF line endings.</summary>
    public static string ReadText(string path) =>
        File.ReadAllText(path, Encoding.UTF8).Replace("\r\n", "\n").Replace('\r', '\n');

    public static List<Block> Parse(IReadOnlyList<string> lines, int firstLineNumber, string filePath)
    {
        var blocks = new List<Block>();
        var para = new List<string>();
        int paraLine = 0;

        void FlushParagraph()
        {
            if (para.Count == 0) return;
            blocks.Add(new Block(BlockKind.Paragraph, paraLine, 0, string.Join("\n", para), "", para.ToList()));
            para.Clear();
        }

        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            int lineNo = firstLineNumber + i;

            var fence = FenceRx.Match(line);
            if (fence.Success)
            {
                FlushParagraph();
                int indent = fence.Groups[1].Length;
                string marker = fence.Groups[2].Value;
                var body = new List<string>();
                int j = i + 1;
                bool closed = false;
                for (; j < lines.Count; j++)
                {
                    if (IsClosingFence(lines[j], marker))
                    {
                        closed = true;
                        break;
                    }
                    body.Add(StripIndent(lines[j], indent));
                }
                if (!closed)
                    throw new HelpFormatException(filePath, lineNo, $"code fence opened here is never closed (expected a closing {marker})");
                blocks.Add(new Block(BlockKind.Code, lineNo, 0, string.Join("\n", body), fence.Groups[3].Value.Trim(), body));
                i = j;
                continue;
            }

            var heading = HeadingRx.Match(line);
            if (heading.Success)
            {
                FlushParagraph();
                blocks.Add(new Block(BlockKind.Heading, lineNo, heading.Groups[1].Length, heading.Groups[2].Value.Trim(), "", [line]));
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                FlushParagraph();
                continue;
            }

            if (para.Count == 0) paraLine = lineNo;
            para.Add(line);
        }
        FlushParagraph();
        return blocks;
    }

    private static bool IsClosingFence(string line, string marker)
    {
        string t = line.TrimStart(' ');
        if (line.Length - t.Length > 3) return false;
        t = t.TrimEnd();
        return t.Length >= marker.Length && t.All(c => c == marker[0]);
    }

    private static string StripIndent(string line, int indent)
    {
        int n = 0;
        while (n < indent && n < line.Length && line[n] == ' ') n++;
        return line[n..];
    }
}

/// <summary>Turns markdown text into the plain text Get-Help prints.</summary>
public static class MarkdownText
{
    private static readonly Regex ListItemRx = new(@"^\s*(?:[-*+]|\d+[.)])\s+", RegexOptions.CultureInvariant);
    private static readonly Regex CodeSpanRx = new(@"(`+)(.+?)\1", RegexOptions.CultureInvariant);
    private static readonly Regex LinkRx = new(@"\[([^\]]*)\]\(([^)\s]*)(?:\s+""[^""]*"")?\)", RegexOptions.CultureInvariant);
    private static readonly Regex AutoLinkRx = new(@"<((?:https?|ftp|mailto):[^>\s]+)>", RegexOptions.CultureInvariant);
    private static readonly Regex StrongRx = new(@"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", RegexOptions.CultureInvariant);
    // Single _ only at word boundaries so about_Topic and $MY_VAR survive.
    private static readonly Regex EmUnderscoreRx = new(@"(?<![\w\\])_(?=\S)(.+?)(?<=\S)_(?!\w)", RegexOptions.CultureInvariant);
    private static readonly Regex EmStarRx = new(@"(?<![\w\\*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", RegexOptions.CultureInvariant);
    private static readonly Regex EscapeRx = new(@"\\([\\`*_{}\[\]()#+\-.!<>|""'~])", RegexOptions.CultureInvariant);

    /// <summary>
    /// Splits a markdown paragraph into display lines: soft-wrapped lines are joined with a space,
    /// while list items, table rows and hard breaks stay on their own line.
    /// </summary>
    public static List<string> ParagraphLines(IReadOnlyList<string> rawLines)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        bool forceBreak = false;
        foreach (string raw in rawLines)
        {
            bool startsNew = ListItemRx.IsMatch(raw) || raw.TrimStart().StartsWith('|') || forceBreak;
            if (current.Length > 0 && startsNew)
            {
                result.Add(current.ToString());
                current.Clear();
            }
            string piece = raw.Trim();
            bool hardBreak = raw.EndsWith("  ", StringComparison.Ordinal) || (piece.EndsWith('\\') && !piece.EndsWith(@"\\", StringComparison.Ordinal));
            if (hardBreak && piece.EndsWith('\\')) piece = piece[..^1].TrimEnd();
            if (raw.TrimStart().StartsWith('|'))
            {
                current.Append(piece);
                forceBreak = true;
                continue;
            }
            if (current.Length > 0) current.Append(' ');
            current.Append(piece);
            forceBreak = hardBreak;
        }
        if (current.Length > 0) result.Add(current.ToString());
        return result.Select(Inline).ToList();
    }

    /// <summary>Strips emphasis, resolves escapes and links; code spans are kept verbatim, backticks included.</summary>
    public static string Inline(string text)
    {
        var sb = new StringBuilder();
        int pos = 0;
        foreach (Match m in CodeSpanRx.Matches(text))
        {
            sb.Append(InlineNoCode(text[pos..m.Index]));
            sb.Append(m.Value);
            pos = m.Index + m.Length;
        }
        sb.Append(InlineNoCode(text[pos..]));
        return sb.ToString();
    }

    private static string InlineNoCode(string s)
    {
        // Relative targets (other .md pages) mean nothing in a console, so only absolute URIs are kept.
        s = LinkRx.Replace(s, m =>
        {
            string label = m.Groups[1].Value, target = m.Groups[2].Value;
            if (!IsWebUri(target) || target == label) return label.Length > 0 ? label : target;
            return label.Length > 0 ? $"{label} ({target})" : target;
        });
        s = AutoLinkRx.Replace(s, "$1");
        s = StrongRx.Replace(s, "$2");
        s = EmUnderscoreRx.Replace(s, "$1");
        s = EmStarRx.Replace(s, "$1");
        return EscapeRx.Replace(s, "$1");
    }

    /// <summary>On Unix "/x.md" parses as an absolute file URI, so the scheme is checked too.</summary>
    public static bool IsWebUri(string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" or "ftp" or "mailto";

    /// <summary>
    /// Renders a run of paragraph and code blocks as text: paragraphs (and list items) separated by a blank line,
    /// code blocks kept line by line.
    /// </summary>
    public static string Render(IEnumerable<Block> blocks)
    {
        var parts = new List<string>();
        foreach (var b in blocks)
        {
            if (b.Kind == BlockKind.Paragraph) parts.AddRange(ParagraphLines(b.Lines));
            else if (b.Kind == BlockKind.Code) parts.Add(b.Text.TrimEnd('\n'));
        }
        return string.Join("\n\n", parts.Where(p => p.Length > 0));
    }
}

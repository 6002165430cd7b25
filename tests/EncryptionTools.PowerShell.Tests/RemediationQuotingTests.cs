using System.Collections;
using System.Management.Automation.Language;
using System.Reflection;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// A remediation is read by PowerShell's own parser and must be exactly the command and the arguments it was built from,
/// whatever a file name, key name or context value holds: every kind of quote (' ‘ ’ ‚ ‛ " “ ” „), $, backtick, ';',
/// control characters, lone surrogates. The quoting function and the renderer are the engine's, reached through the
/// assembly the imported module loaded.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class RemediationQuotingTests(ModuleRunspace ps)
{
    private const string Pwned = "c\u2019; New-Item PWNED; Write-Output \u2019";

    private static Assembly Engine =>
        AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == "EncryptionTools.Engine");

    private static Type EngineType(string name) => Engine.GetType(name, throwOnError: true)!;

    private static string Quote(string text) =>
        (string)EngineType("EncryptionTools.Engine.Compliance.PowerShellQuoting").GetMethod("Quote")!.Invoke(null, [text])!;

    private static string Argument(string text) =>
        (string)EngineType("EncryptionTools.Engine.Compliance.PowerShellQuoting").GetMethod("Argument")!.Invoke(null, [text])!;

    /// <summary>Characters chosen to break quoting, mixed with any UTF-16 unit and plain ASCII.</summary>
    private static readonly Gen<string> Hostile = Gen.Frequency(
            (4, Gen.Elements("'\u2018\u2019\u201A\u201B\"\u201C\u201D\u201E$`;&|(){}@#<>\\ -\u001b\u0007\r\n\t\u0000\u202E\u2028\u0085\uD800\uDC00".ToCharArray())),
            (3, Gen.Choose(0, 0xFFFF).Select(i => (char)i)),
            (3, Gen.Choose(0x20, 0x7E).Select(i => (char)i)))
        .ArrayOf().Select(chars => new string(chars));

    /// <summary>Parses one command line: no parse error, exactly one statement, one command, and its elements.</summary>
    private static CommandAst ParseOneCommand(string line)
    {
        var ast = Parser.ParseInput(line, out _, out var errors);
        Assert.True(errors.Length == 0, $"{Show(line)}: {string.Join("; ", errors.Select(e => e.Message))}");
        Assert.True(ast.EndBlock.Statements.Count == 1, $"{Show(line)} is {ast.EndBlock.Statements.Count} statements");
        var pipeline = Assert.IsType<PipelineAst>(ast.EndBlock.Statements[0]);
        Assert.True(pipeline.PipelineElements.Count == 1, $"{Show(line)} is a pipeline of {pipeline.PipelineElements.Count}");
        return Assert.IsType<CommandAst>(pipeline.PipelineElements[0]);
    }

    /// <summary>The literal value of an argument, failing for anything that would be evaluated (variables, subexpressions, calls).</summary>
    private static string Literal(Ast element, string line)
    {
        var constant = element as StringConstantExpressionAst;
        Assert.True(constant is not null, $"{Show(line)}: the argument is a {element.GetType().Name} ({element.Extent.Text}), not a literal string");
        return constant!.Value;
    }

    private static string Show(string text) => string.Concat(text.Select(c => c < 0x20 || c is >= '\u007f' and <= '\u009f' || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    [Fact]
    public void QuoteIsExactlyOneLiteralArgumentForAnyText()
    {
        Prop.ForAll(Hostile.ToArbitrary(), text =>
        {
            var line = "Write-Output -InputObject " + Quote(text);
            var command = ParseOneCommand(line);
            Assert.Equal(3, command.CommandElements.Count);
            Assert.Equal("-InputObject", command.CommandElements[1].Extent.Text);
            Assert.Equal(text, Literal(command.CommandElements[2], line));
            // What a terminal would be shown: no control or format character survives quoting.
            Assert.DoesNotContain(Quote(text), c => !char.IsSurrogate(c) && (char.IsControl(c) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }

    [Fact]
    public void ArgumentIsBareOnlyWhenPowerShellReadsTheWordAsIs()
    {
        var words = Gen.OneOf(Hostile, Gen.Constant(Guid.NewGuid().ToString("D")), Gen.Elements("alias/x-1", "1e5", "0x10", "12", "1kb", "-x", "a,b", "true", "$null", "12345678-1234-1234-1234-123456789abc", "1e100000-0000-0000-0000-000000000000"));
        Prop.ForAll(words.ToArbitrary(), word =>
        {
            var line = "Write-Output " + Argument(word);
            var command = ParseOneCommand(line);
            Assert.Equal(2, command.CommandElements.Count);
            Assert.Equal(word, Literal(command.CommandElements[1], line));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void EveryRenderedRemediationParsesToItsOwnCommandAndArguments()
    {
        var argumentType = EngineType("EncryptionTools.Engine.Compliance.RemediationArgument");
        var entryType = EngineType("EncryptionTools.Engine.Compliance.RemediationEntry");
        var commandType = EngineType("EncryptionTools.Engine.Compliance.RemediationCommand");
        object Make(string factory, params object?[] args) => argumentType.GetMethod(factory)!.Invoke(null, args)!;
        var cases = from path in Hostile
                    from key in Hostile
                    from value in Hostile
                    from word in Hostile
                    select (path, key, value, word);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var entries = Array.CreateInstance(entryType, 1);
            entries.SetValue(Activator.CreateInstance(entryType, c.key, c.value, false), 0);
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(argumentType))!;
            list.Add(Make("Text", "LiteralPath", c.path));
            list.Add(Make("Switch", "InPlace"));
            list.Add(Make("Word", "KeyId", c.word));
            list.Add(argumentType.GetMethod("Hashtable")!.Invoke(null, ["EncryptionContext", entries])!);
            var command = Activator.CreateInstance(commandType, "Protect-File", list)!;
            var line = command.ToString()!;

            var ast = ParseOneCommand(line);
            var e = ast.CommandElements;
            Assert.Equal("Protect-File", ast.GetCommandName());
            Assert.Equal(8, e.Count);
            Assert.Equal(["LiteralPath", "InPlace", "KeyId", "EncryptionContext"], e.OfType<CommandParameterAst>().Select(p => p.ParameterName));
            Assert.Equal(c.path, Literal(e[2], line));
            Assert.Equal(c.word, Literal(e[5], line));
            var table = Assert.IsType<HashtableAst>(e[7]);
            var pair = Assert.Single(table.KeyValuePairs);
            Assert.Equal(c.key, Literal(pair.Item1, line));
            var valueExpression = Assert.IsType<CommandExpressionAst>(Assert.IsType<PipelineAst>(pair.Item2).PipelineElements.Single()).Expression;
            Assert.Equal(c.value, Literal(valueExpression, line));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void AFileNamedToInjectACommandGetsARemediationThatOnlyEncryptsIt()
    {
        using var box = new Sandbox();
        var plain = box.File(Pwned, "payroll");
        var r = ps.Run("""
            Set-Location -LiteralPath $root
            New-EncKey -Alias alias/c -StorePath $store | Out-Null
            $finding = Test-EncryptionCompliance -LiteralPath $root -Rule ET1001 -StorePath $store
            $finding
            Invoke-Expression $finding.Remediation
            """, new Dictionary<string, object?> { ["root"] = box.Root, ["store"] = box.StorePath });
        r.AssertNoErrors();
        var finding = r.Output.Single(o => o.Properties["RuleId"]?.Value as string == "ET1001");
        var remediation = (string)finding.Properties["Remediation"].Value;

        var command = ParseOneCommand(remediation);
        Assert.Equal("Protect-File", command.GetCommandName());
        Assert.Equal(plain, Literal(command.CommandElements[2], remediation));
        // The same command as data, on the object.
        var data = (IEnumerable)finding.Properties["RemediationCommands"].Value;
        var first = data.Cast<object>().Single();
        Assert.Equal("Protect-File", first.GetType().GetProperty("Command")!.GetValue(first));
        var arguments = ((IEnumerable)first.GetType().GetProperty("Arguments")!.GetValue(first)!).Cast<object>().ToList();
        Assert.Equal(plain, arguments[0].GetType().GetProperty("Value")!.GetValue(arguments[0]));

        // Run as the old help suggested: the file is encrypted in place, and nothing else happens.
        Assert.False(File.Exists(Path.Combine(box.Root, "PWNED")), "the file name's hidden New-Item ran");
        Assert.Equal([0x02, 0x04, 0x78], File.ReadAllBytes(plain)[..3]); // encrypted in place, under the same name
        Assert.Equal([Pwned], Directory.GetFileSystemEntries(box.Root).Select(Path.GetFileName).Where(n => n != "store"));
    }
}

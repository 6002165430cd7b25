using System.Reflection;
using System.Reflection.Emit;

namespace EncryptionTools.Tests.Architecture;

/// <summary>
/// Which engine type uses which, read from the compiled assembly: signatures (base types, interfaces, fields,
/// parameters, returns, properties, generic arguments and constraints) and every token in every method body, so
/// a reference written with a full name or reached through `var` counts as much as one after a `using`.
/// </summary>
internal static class EngineDependencies
{
    public const string Root = "EncryptionTools.Engine";

    public static Assembly Engine => typeof(EncryptionTools.Engine.EncryptionToolsException).Assembly;

    public sealed record Edge(Type From, Type To, string Via)
    {
        public override string ToString() => $"{From.FullName} -> {To.FullName} ({Via})";
    }

    /// <summary>The layer a type lives in: the namespace under EncryptionTools.Engine ("" for the root).</summary>
    public static string LayerOf(Type type)
    {
        var ns = type.Namespace ?? "";
        if (ns == Root) return "";
        // A sub-folder (Compliance.Rules) belongs to its folder's layer.
        return ns.StartsWith(Root + ".", StringComparison.Ordinal) ? ns[(Root.Length + 1)..].Split('.')[0] : ns;
    }

    /// <summary>A type the engine's source declares (not one the compiler generated, such as regex or collection-expression helpers).</summary>
    public static bool InEngine(Type type) =>
        type.Assembly == Engine && type.Namespace is { } ns && (ns == Root || ns.StartsWith(Root + ".", StringComparison.Ordinal))
        && !type.Name.StartsWith('<');

    /// <summary>Every use of one engine type by another in a different layer.</summary>
    public static IReadOnlyList<Edge> CrossLayerEdges() =>
        AllEdges().Where(e => LayerOf(e.From) != LayerOf(e.To)).ToList();

    public static IEnumerable<Edge> AllEdges()
    {
        foreach (var type in Engine.GetTypes())
        {
            if (!InEngine(Outermost(type))) continue;
            var owner = Outermost(type);
            foreach (var (used, via) in Uses(type))
                foreach (var target in Expand(used))
                    if (InEngine(target) && Outermost(target) != owner)
                        yield return new Edge(owner, Outermost(target), $"{type.Name}.{via}");
        }
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
    }

    /// <summary>A type and everything it is built from: generic arguments, array and by-ref elements.</summary>
    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null || type.IsGenericParameter) yield break;
        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType())) yield return t;
            yield break;
        }
        yield return type;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            foreach (var arg in type.GetGenericArguments())
                foreach (var t in Expand(arg)) yield return t;
    }

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<(Type, string)> Uses(Type type)
    {
        yield return (type.BaseType!, "base");
        foreach (var i in type.GetInterfaces()) yield return (i, "interface");
        foreach (var g in type.IsGenericTypeDefinition ? type.GetGenericArguments() : [])
            foreach (var c in g.GetGenericParameterConstraints()) yield return (c, "constraint");
        foreach (var a in type.GetCustomAttributesData()) yield return (a.AttributeType, "attribute");
        foreach (var f in type.GetFields(Declared)) yield return (f.FieldType, f.Name);
        foreach (var p in type.GetProperties(Declared)) yield return (p.PropertyType, p.Name);
        foreach (var e in type.GetEvents(Declared)) yield return (e.EventHandlerType!, e.Name);
        var methods = type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));
        foreach (var m in methods)
        {
            if (m is MethodInfo mi) yield return (mi.ReturnType, m.Name);
            foreach (var p in m.GetParameters()) yield return (p.ParameterType, m.Name);
            foreach (var a in m.GetCustomAttributesData()) yield return (a.AttributeType, m.Name);
            foreach (var used in BodyUses(m)) yield return (used, m.Name);
        }
    }

    private static readonly OpCode[] OneByte = new OpCode[0x100], TwoByte = new OpCode[0x100];

    static EngineDependencies()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = (ushort)op.Value;
            if (op.Size == 1) OneByte[value] = op;
            else TwoByte[value & 0xFF] = op;
        }
    }

    /// <summary>The types that a method body's tokens name (types, fields' and methods' declaring types, locals).</summary>
    private static IEnumerable<Type> BodyUses(MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        var il = body.GetILAsByteArray() ?? [];
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var op = il[i] == 0xFE ? TwoByte[il[i + 1]] : OneByte[il[i]];
            i += op.Size;
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    i += 4;
                    switch (member)
                    {
                        case Type t: yield return t; break;
                        case FieldInfo f: yield return f.DeclaringType!; yield return f.FieldType; break;
                        case MethodInfo mi:
                            yield return mi.DeclaringType!;
                            if (mi.IsGenericMethod) foreach (var a in mi.GetGenericArguments()) yield return a;
                            break;
                        case ConstructorInfo c: yield return c.DeclaringType!; break;
                    }
                    break;
                default: i += 4; break;
            }
        }
    }
}

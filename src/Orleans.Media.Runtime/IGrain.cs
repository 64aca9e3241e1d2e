namespace Orleans.Media.Runtime;

/// <summary>Marker for grain interfaces. Methods return <see cref="Task"/>, <see cref="Task{TResult}"/>,
/// <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/>.</summary>
public interface IGrain;

/// <summary>A grain addressed by a string key (the only key kind this runtime has).</summary>
public interface IGrainWithStringKey : IGrain;

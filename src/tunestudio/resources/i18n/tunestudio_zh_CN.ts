<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About TuneStudio</source>
        <translation>关于 TuneStudio</translation>
    </message>
</context>
<context>
    <name>AnalysisView</name>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Report…</source>
        <translation>报告…</translation>
    </message>
    <message>
        <source>Show excluded trials</source>
        <translation>显示已排除的试验</translation>
    </message>
    <message>
        <source>Draw the trials you excluded too (marked; never the best, never on the Pareto front). Hidden by default, as they are from every result.</source>
        <translation>也绘制你排除的试验（带标记；绝不作为最佳，也不在帕累托前沿上）。默认隐藏，与所有结果中一样。</translation>
    </message>
    <message>
        <source>No trials yet: run the experiment (Run, F5) and its history, parallel coordinates, slices and contour appear here.</source>
        <translation>还没有试验：运行该实验（运行，F5）后，优化历史、平行坐标图、切片图和等高线图会显示在这里。</translation>
    </message>
    <message>
        <source>Select a valid experiment to analyse it.</source>
        <translation>选择一个有效的实验来分析它。</translation>
    </message>
    <message>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <source>Analysis failed: {error}</source>
        <translation>分析失败：{error}</translation>
    </message>
    <message>
        <source>; {n} excluded trial(s) shown, not counted</source>
        <translation>；显示 {n} 个已排除的试验，不计入</translation>
    </message>
    <message>
        <source>; {n} excluded trial(s) hidden</source>
        <translation>；隐藏 {n} 个已排除的试验</translation>
    </message>
    <message>
        <source>Report written to {written}</source>
        <translation>报告已写入 {written}</translation>
    </message>
</context>
<context>
    <name>BaselineEditor</name>
    <message>
        <source>Click a field&apos;s name to go to it</source>
        <translation>点击字段名称跳转到该字段</translation>
    </message>
    <message>
        <source>Click a field to see what it does and how to tune it.</source>
        <translation>点击一个字段，查看它的作用以及如何调节它。</translation>
    </message>
    <message>
        <source>LR range test…</source>
        <translation>学习率查找…</translation>
    </message>
    <message>
        <source>Before a long search: sweep the learning rate on this baseline and put the suggested range into an experiment</source>
        <translation>开始长时间搜索之前：在这个基准模型上扫描学习率，并把建议的范围写入一个实验</translation>
    </message>
    <message>
        <source>Built-in training</source>
        <translation>内置训练</translation>
    </message>
    <message>
        <source>Your own program</source>
        <translation>你自己的程序</translation>
    </message>
    <message>
        <source>Built-in training: TuneStudio&apos;s own models and loop, set below. Your own program: each trial runs your training script (or a Python function) with the trial&apos;s values and reads the metrics it prints or reports.</source>
        <translation>内置训练：TuneStudio 自带的模型和训练循环，在下方设置。你自己的程序：每个试验用该试验的取值运行你的训练脚本（或一个 Python 函数），并读取它打印或报告的指标。</translation>
    </message>
    <message>
        <source>The config every trial starts from; experiments vary it.</source>
        <translation>每个试验的起点配置；实验在它的基础上改变参数。</translation>
    </message>
    <message>
        <source>Trains with</source>
        <translation>训练方式</translation>
    </message>
    <message>
        <source>Train with your own program</source>
        <translation>改用你自己的程序训练</translation>
    </message>
    <message>
        <source>Train with the built-in training</source>
        <translation>改用内置训练</translation>
    </message>
</context>
<context>
    <name>BatchSizePlot</name>
    <message>
        <source>wall-clock time of training (s)</source>
        <translation>训练的实际耗时（s）</translation>
    </message>
    <message>
        <source>Batch size: validation metric against wall-clock time (best trial of each size)</source>
        <translation>批大小：验证指标与实际耗时（每种批大小的最佳试验）</translation>
    </message>
</context>
<context>
    <name>CheckpointUseLabel</name>
    <message>
        <source>Checkpoints: disk use not read ({error})</source>
        <translation>检查点：未能读取磁盘占用（{error}）</translation>
    </message>
    <message>
        <source>In {value}{keep}</source>
        <translation>位于 {value}{keep}</translation>
    </message>
</context>
<context>
    <name>ConfigDiffDialog</name>
    <message>
        <source>Configs of trials #{number} and #{number2}</source>
        <translation>试验 #{number} 与 #{number2} 的配置</translation>
    </message>
    <message>
        <source>Only differences</source>
        <translation>只显示差异</translation>
    </message>
</context>
<context>
    <name>ContourPlot</name>
    <message>
        <source>A contour needs an experiment with two or more parameters.</source>
        <translation>等高线图需要一个含两个或更多参数的实验。</translation>
    </message>
    <message>
        <source>Too few distinct trials to interpolate yet.</source>
        <translation>不同的试验还太少，无法插值。</translation>
    </message>
    <message>
        <source>{metric} over {name} and {name2}, {int} trials</source>
        <translation>{metric} 随 {name} 和 {name2} 的变化，{int} 个试验</translation>
    </message>
</context>
<context>
    <name>DeviceCatalog</name>
    <message>
        <source>The training engine could not be loaded: {message}</source>
        <translation>无法加载训练引擎：{message}</translation>
    </message>
</context>
<context>
    <name>DeviceCombo</name>
    <message>
        <source>Where this run&apos;s trials train. A device chosen here wins over the baseline&apos;s training.device; Auto uses training.device (auto = CUDA, then MPS, then CPU).</source>
        <translation>本次运行的试验在哪个设备上训练。这里选择的设备优先于基准模型的 training.device；“自动”使用 training.device（auto = 依次尝试 CUDA、MPS、CPU）。</translation>
    </message>
    <message>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Loading devices…</source>
        <translation>正在加载设备…</translation>
    </message>
</context>
<context>
    <name>DiagnosisView</name>
    <message>
        <source>Select a trial in the table to diagnose it.</source>
        <translation>在表格中选择一个试验来诊断它。</translation>
    </message>
    <message>
        <source>Create suggested experiment</source>
        <translation>创建建议的实验</translation>
    </message>
    <message>
        <source>Adds the experiment to the project (Edit &gt; Undo removes it); select it and press Run</source>
        <translation>把该实验加入项目（编辑 &gt; 撤销可移除）；选中它并点击运行</translation>
    </message>
    <message>
        <source>Export plot…</source>
        <translation>导出图表…</translation>
    </message>
    <message>
        <source>Diagnosing…</source>
        <translation>正在诊断…</translation>
    </message>
    <message>
        <source>training loss (smoothed) and validation loss</source>
        <translation>训练损失（平滑）与验证损失</translation>
    </message>
    <message>
        <source>step</source>
        <translation>step</translation>
    </message>
    <message>
        <source>{TITLES}: evidence shaded</source>
        <translation>{TITLES}：阴影部分为依据</translation>
    </message>
    <message>
        <source>Added experiment &apos;{name}&apos; ({strategy} on {knob}). Select it and press Run.</source>
        <translation>已添加实验“{name}”（对 {knob} 进行 {strategy}）。选中它并点击运行。</translation>
    </message>
</context>
<context>
    <name>DimensionPicker</name>
    <message>
        <source>Add a dimension</source>
        <translation>添加搜索维度</translation>
    </message>
    <message>
        <source>Filter, e.g. lr, width, batch</source>
        <translation>筛选，例如 lr、width、batch</translation>
    </message>
    <message>
        <source>{path} is already a dimension of this experiment</source>
        <translation>{path} 已经是这个实验的搜索维度</translation>
    </message>
    <message>
        <source>Vary one knob at a time where you can: each experiment records what changed from the baseline.</source>
        <translation>尽可能一次只改变一个参数：每个实验都记录了相对基准模型改变了什么。</translation>
    </message>
</context>
<context>
    <name>DimensionsEditor</name>
    <message>
        <source>Add dimension…</source>
        <translation>添加维度…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Select a dimension to edit its range.</source>
        <translation>选择一个维度来编辑它的取值范围。</translation>
    </message>
</context>
<context>
    <name>ExperimentEditor</name>
    <message>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Dimensions: the knobs this experiment varies</source>
        <translation>维度：这个实验改变的超参数</translation>
    </message>
    <message>
        <source>No experiment selected. Add one: state its goal and hypothesis first, then choose the knobs it varies.</source>
        <translation>未选择实验。添加一个实验：先写下实验目标和假设，再选择要改变的超参数。</translation>
    </message>
    <message>
        <source>Click a field to see what it does and how to use it.</source>
        <translation>点击一个字段，查看它的作用以及如何使用它。</translation>
    </message>
</context>
<context>
    <name>ExperimentList</name>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>A new experiment: state its goal and hypothesis first</source>
        <translation>新实验：先写下实验目标和假设</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>&lt;b&gt;Experiments&lt;/b&gt;</source>
        <translation>&lt;b&gt;实验&lt;/b&gt;</translation>
    </message>
    <message>
        <source>New experiment</source>
        <translation>新实验</translation>
    </message>
    <message>
        <source>Name of the experiment:</source>
        <translation>实验名称：</translation>
    </message>
    <message>
        <source>experiment</source>
        <translation>实验</translation>
    </message>
    <message>
        <source>Remove experiment</source>
        <translation>移除实验</translation>
    </message>
    <message numerus="yes">
        <source>Remove {name}? Its %n trial(s) stay in the history, but no experiment of the project shows them (Edit &gt; Undo brings the experiment back).</source>
        <translation>
            <numerusform>移除 {name}？它的 %n 个试验仍保留在历史记录中，但项目中不再有实验显示它们（编辑 &gt; 撤销可恢复该实验）。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistoryPlot</name>
    <message>
        <source>trial number</source>
        <translation>试验编号</translation>
    </message>
    <message>
        <source>Optimisation history: {experiment} (maximise {metric})</source>
        <translation>优化历史：{experiment}（最大化 {metric}）</translation>
    </message>
    <message>
        <source>Optimisation history: {experiment} (minimise {metric})</source>
        <translation>优化历史：{experiment}（最小化 {metric}）</translation>
    </message>
</context>
<context>
    <name>ImportancePlot</name>
    <message>
        <source>PED-ANOVA is fast on thousands of trials; fANOVA (Optuna&apos;s default) fits a random forest and is slow on many trials.</source>
        <translation>PED-ANOVA 在数千个试验上也很快；fANOVA（Optuna 的默认方法）要拟合随机森林，试验多时较慢。</translation>
    </message>
    <message>
        <source>Compute</source>
        <translation>计算</translation>
    </message>
    <message>
        <source>importance (share of the objective&apos;s variation)</source>
        <translation>重要性（占目标值变化的比例）</translation>
    </message>
    <message>
        <source>Evaluator:</source>
        <translation>评估方法：</translation>
    </message>
    <message>
        <source>Parameter importance ({currentText})</source>
        <translation>超参数重要性（{currentText}）</translation>
    </message>
</context>
<context>
    <name>LRRangeDialog</name>
    <message>
        <source>LR range test on the baseline</source>
        <translation>在基准模型上做学习率查找</translation>
    </message>
    <message>
        <source>Use range in experiment</source>
        <translation>在实验中使用该范围</translation>
    </message>
    <message>
        <source>Sets the experiment&apos;s optimizer.lr dimension to the suggested range, log scale (Edit &gt; Undo takes it back)</source>
        <translation>把实验的 optimizer.lr 维度设为建议范围，对数刻度（编辑 &gt; 撤销可还原）</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>再次运行</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Experiment:</source>
        <translation>实验：</translation>
    </message>
    <message>
        <source>Fix the fields marked in red first: the test trains the baseline config.</source>
        <translation>请先修正标红的字段：该测试会训练基准模型的配置。</translation>
    </message>
    <message>
        <source>Training the baseline for up to {STEPS} steps with the LR rising from 1e-7 until the loss diverges…</source>
        <translation>正在训练基准模型，最多 {STEPS} 个 step，学习率从 1e-7 开始增大，直到损失发散…</translation>
    </message>
    <message>
        <source>The LR range test failed: {error}</source>
        <translation>学习率查找失败：{error}</translation>
    </message>
    <message>
        <source>LR range test failed: {error}</source>
        <translation>学习率查找失败：{error}</translation>
    </message>
    <message>
        <source>{summary}. Suggested: a tenth of the LR where the smoothed loss is lowest; range: a hundredth of that LR up to it.</source>
        <translation>{summary}。建议值：平滑损失最低处学习率的十分之一；范围：该学习率的百分之一到它本身。</translation>
    </message>
    <message>
        <source>{name} now searches optimizer.lr over {short}..{short2} (log). Edit &gt; Undo takes it back.</source>
        <translation>{name} 现在在 {short}..{short2}（对数）上搜索 optimizer.lr。编辑 &gt; 撤销可还原。</translation>
    </message>
</context>
<context>
    <name>LiveView</name>
    <message>
        <source>No trial running. Select trials in the table to compare them.</source>
        <translation>没有正在运行的试验。在表格中选择试验来比较它们。</translation>
    </message>
    <message>
        <source>LR log scale</source>
        <translation>学习率对数刻度</translation>
    </message>
    <message>
        <source>The learning-rate plot on a log axis (as the LR range test)</source>
        <translation>学习率曲线使用对数坐标轴（与学习率查找相同）</translation>
    </message>
    <message>
        <source>Clear overlays</source>
        <translation>清除叠加曲线</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>X axis:</source>
        <translation>X 轴：</translation>
    </message>
    <message>
        <source>Could not read the resumed trial&apos;s history: {error}</source>
        <translation>无法读取恢复的试验的历史记录：{error}</translation>
    </message>
    <message>
        <source>Could not read the compared trials: {error}</source>
        <translation>无法读取要比较的试验：{error}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Saved {p}</source>
        <translation>已保存 {p}</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Close Project</source>
        <translation>关闭项目(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>偏好设置(&amp;P)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>LR Range Test on Baseline…</source>
        <translation>在基准模型上做学习率查找…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About TuneStudio</source>
        <translation>关于 TuneStudio(&amp;A)</translation>
    </message>
    <message>
        <source> Device </source>
        <translation> 设备 </translation>
    </message>
    <message>
        <source>Opening {Path}…</source>
        <translation>正在打开 {Path}…</translation>
    </message>
</context>
<context>
    <name>OptionalEditor</name>
    <message>
        <source>Unchecked: none</source>
        <translation>未勾选：无</translation>
    </message>
</context>
<context>
    <name>ParallelPlot</name>
    <message>
        <source>Parallel coordinates (colour: {metric})</source>
        <translation>平行坐标图（颜色：{metric}）</translation>
    </message>
</context>
<context>
    <name>ParetoPlot</name>
    <message>
        <source>training time (s)</source>
        <translation>训练时间（s）</translation>
    </message>
    <message>
        <source>training time (s, the {kind})</source>
        <translation>训练时间（s，{kind}）</translation>
    </message>
    <message>
        <source>Pareto front: {metric} against training time ({len} of {len2} trials on the front)</source>
        <translation>帕累托前沿：{metric} 与训练时间（{len2} 个试验中有 {len} 个在前沿上）</translation>
    </message>
</context>
<context>
    <name>PathEditor</name>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Choose the {file}</source>
        <translation>选择{file}</translation>
    </message>
    <message>
        <source>⚠ No such {what}: {normpath}{where}</source>
        <translation>⚠ 不存在的{what}：{normpath}{where}</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>偏好设置</translation>
    </message>
    <message>
        <source>Follow the system ({language})</source>
        <translation>跟随系统（{language}）</translation>
    </message>
    <message>
        <source>Applies when TuneStudio starts next; projects, trials and settings stay as they are.</source>
        <translation>TuneStudio 下次启动时生效；项目、试验和设置保持不变。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Trial databases of projects without their own storage URL live in the data directory; a change applies to projects opened afterwards.</source>
        <translation>没有自己的存储 URL 的项目，其试验数据库保存在数据目录中；更改对之后打开的项目生效。</translation>
    </message>
    <message>
        <source>Default device</source>
        <translation>默认设备</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation>数据目录</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>The language changes when TuneStudio starts next.</source>
        <translation>界面语言将在 TuneStudio 下次启动时切换。</translation>
    </message>
</context>
<context>
    <name>ProgramEditor</name>
    <message>
        <source>Program</source>
        <translation>程序</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>默认值</translation>
    </message>
    <message>
        <source>Choices</source>
        <translation>可选值</translation>
    </message>
    <message>
        <source>Flag</source>
        <translation>命令行标志</translation>
    </message>
    <message>
        <source>The program&apos;s named parameters: a search dimension names one as params.NAME. Choices: comma-separated; empty = any. Flag: empty = made from the name.</source>
        <translation>程序的具名参数：搜索维度以 params.名称 指代一个参数。可选值：用逗号分隔；留空 = 任意。命令行标志：留空 = 由名称生成。</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Read from --help</source>
        <translation>从 --help 读取</translation>
    </message>
    <message>
        <source>Runs the command with --help and offers the parameters it declares (an argparse script&apos;s types, defaults and choices exactly). This starts your program up to its argument parsing.</source>
        <translation>以 --help 运行该命令，并给出它声明的参数（argparse 脚本的类型、默认值和可选值与脚本完全一致）。这会运行你的程序，直到它解析参数为止。</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Variable</source>
        <translation>变量</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Environment variables set for the program (on top of TuneStudio&apos;s own environment).</source>
        <translation>为程序设置的环境变量（在 TuneStudio 自身的环境之上）。</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>环境变量</translation>
    </message>
    <message>
        <source>Edit baseline.{path}</source>
        <translation>编辑 baseline.{path}</translation>
    </message>
    <message>
        <source>Edit the program&apos;s parameters</source>
        <translation>编辑程序的参数</translation>
    </message>
    <message>
        <source>Change a parameter&apos;s type</source>
        <translation>更改参数的类型</translation>
    </message>
    <message>
        <source>Add a parameter</source>
        <translation>添加参数</translation>
    </message>
    <message>
        <source>Remove a parameter</source>
        <translation>移除参数</translation>
    </message>
    <message>
        <source>Edit the program&apos;s environment</source>
        <translation>编辑程序的环境变量</translation>
    </message>
    <message>
        <source>Add an environment variable</source>
        <translation>添加环境变量</translation>
    </message>
    <message>
        <source>Remove an environment variable</source>
        <translation>移除环境变量</translation>
    </message>
    <message>
        <source>Fix the program&apos;s fields first (see the problems above).</source>
        <translation>请先修正程序的字段（见上方的问题）。</translation>
    </message>
    <message>
        <source>Running {command} --help…</source>
        <translation>正在运行 {command} --help…</translation>
    </message>
    <message>
        <source>Could not read --help: {message}</source>
        <translation>无法读取 --help：{message}</translation>
    </message>
    <message>
        <source>Read the parameters from --help</source>
        <translation>从 --help 读取参数</translation>
    </message>
    <message>
        <source>Parameters read from --help: {count} ({source}).</source>
        <translation>从 --help 读取的参数：{count} 个（{source}）。</translation>
    </message>
    <message>
        <source>Left out: {reasons}</source>
        <translation>未采用：{reasons}</translation>
    </message>
</context>
<context>
    <name>ProjectSession</name>
    <message numerus="yes">
        <source>{name} has %n invalid field(s), marked in red: fix them to run or save. The file is unchanged until you save.</source>
        <translation>
            <numerusform>{name} 有 %n 个无效字段，已标红：修正后才能运行或保存。保存之前文件不会改变。</numerusform>
        </translation>
    </message>
    <message>
        <source>Not saved: {exc}</source>
        <translation>未保存：{exc}</translation>
    </message>
    <message>
        <source>Stop the running search before closing the project.</source>
        <translation>关闭项目前请先停止正在运行的搜索。</translation>
    </message>
    <message>
        <source>Could not write the recovery copy: {exc}</source>
        <translation>无法写入恢复副本：{exc}</translation>
    </message>
</context>
<context>
    <name>ProjectView</name>
    <message>
        <source>Baseline</source>
        <translation>基准模型</translation>
    </message>
    <message>
        <source>Experiment</source>
        <translation>实验</translation>
    </message>
</context>
<context>
    <name>RunActions</name>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>Pause after the current step (F6)</source>
        <translation>在当前 step 之后暂停（F6）</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <source>Stop; the running trial is marked interrupted</source>
        <translation>停止；正在运行的试验标记为已中断</translation>
    </message>
    <message>
        <source>Nothing ran: the project&apos;s program is not trusted.</source>
        <translation>未运行任何内容：项目的程序未被信任。</translation>
    </message>
    <message>
        <source>Nothing ran: the project&apos;s Python file is not trusted.</source>
        <translation>没有运行：项目的 Python 文件未被信任。</translation>
    </message>
</context>
<context>
    <name>RunController</name>
    <message>
        <source>Trial {number} {STATES}: {summary}</source>
        <translation>试验 {number} {STATES}：{summary}</translation>
    </message>
    <message>
        <source>The run failed: {message}</source>
        <translation>运行失败：{message}</translation>
    </message>
</context>
<context>
    <name>RunProgress</name>
    <message>
        <source>{summary_counts} in {clock}</source>
        <translation>{summary_counts}，用时 {clock}</translation>
    </message>
    <message>
        <source> · stopped by rule: {rule}</source>
        <translation> · 已按规则停止：{rule}</translation>
    </message>
    <message>
        <source>{state}{trial}{tally} · {clock} elapsed · ETA {clock2}</source>
        <translation>{state}{trial}{tally} · 已用 {clock} · 预计剩余 {clock2}</translation>
    </message>
    <message>
        <source> · stop rules: {rules}</source>
        <translation> · 停止规则：{rules}</translation>
    </message>
</context>
<context>
    <name>RunStatusLine</name>
    <message numerus="yes">
        <source>%n invalid field(s): fix them to run or save</source>
        <translation>
            <numerusform>%n 个无效字段：修正后才能运行或保存</numerusform>
        </translation>
    </message>
    <message>
        <source>Starting {experiment}…</source>
        <translation>正在启动 {experiment}…</translation>
    </message>
    <message>
        <source>Stopping: the running trial ends as interrupted…</source>
        <translation>正在停止：正在运行的试验将以“已中断”结束…</translation>
    </message>
    <message>
        <source>Trial {number} {state}{objective}{training}</source>
        <translation>试验 {number} {state}{objective}{training}</translation>
    </message>
</context>
<context>
    <name>TrialActions</name>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Overlay the selected trials&apos; curves in the plots</source>
        <translation>在图表中叠加所选试验的曲线</translation>
    </message>
    <message>
        <source>Use as baseline</source>
        <translation>用作基准模型</translation>
    </message>
    <message>
        <source>Make this trial&apos;s config the project&apos;s baseline (undoable)</source>
        <translation>把这个试验的配置设为项目的基准模型（可撤销）</translation>
    </message>
    <message>
        <source>Evaluate on test split…</source>
        <translation>在测试集上评估…</translation>
    </message>
    <message>
        <source>The final check, once, for the chosen trial</source>
        <translation>对选定试验的最终检验，只做一次</translation>
    </message>
    <message>
        <source>Notes and tags…</source>
        <translation>备注和标签…</translation>
    </message>
    <message>
        <source>Record what you think of this trial</source>
        <translation>记录你对这个试验的看法</translation>
    </message>
    <message>
        <source>Rerun with more seeds…</source>
        <translation>用更多随机种子重新运行…</translation>
    </message>
    <message>
        <source>A new experiment: this trial&apos;s values, several seeds</source>
        <translation>新实验：这个试验的取值，多个随机种子</translation>
    </message>
    <message>
        <source>Re-run the top N with K seeds…</source>
        <translation>用 K 个随机种子重新运行前 N 个试验…</translation>
    </message>
    <message>
        <source>Is the best trial really better, or a lucky seed? The N best trials again, each with K seeds (an experiment each)</source>
        <translation>最佳试验真的更好，还是碰上了幸运的随机种子？把最好的 N 个试验各用 K 个随机种子重新运行（每个一个实验）</translation>
    </message>
    <message>
        <source>Exclude…</source>
        <translation>排除…</translation>
    </message>
    <message>
        <source>Leave the selected trials out of best, the Pareto front, importance, plots, exports and what the sampler learns; kept and shown with your reason</source>
        <translation>将所选试验排除在最佳、帕累托前沿、重要性、图表、导出以及采样器学习的内容之外；试验保留，并显示你给出的原因</translation>
    </message>
    <message>
        <source>Include</source>
        <translation>恢复计入</translation>
    </message>
    <message>
        <source>Count the selected excluded trials again</source>
        <translation>重新计入所选的已排除试验</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Delete the selected trials</source>
        <translation>删除所选试验</translation>
    </message>
    <message>
        <source>Export table…</source>
        <translation>导出表格…</translation>
    </message>
    <message>
        <source>The shown rows as CSV</source>
        <translation>把显示的行导出为 CSV</translation>
    </message>
    <message>
        <source>Compare configs…</source>
        <translation>比较配置…</translation>
    </message>
    <message>
        <source>Two selected trials&apos; configs side by side, differences marked</source>
        <translation>并排显示两个所选试验的配置，并标出差异</translation>
    </message>
    <message>
        <source>Export model…</source>
        <translation>导出模型…</translation>
    </message>
    <message>
        <source>This trial&apos;s stored model as a state dict, TorchScript or ONNX</source>
        <translation>把这个试验保存的模型导出为 state dict、TorchScript 或 ONNX</translation>
    </message>
    <message>
        <source>Trial #{number} was already evaluated on the test split (it is used once): {shown}</source>
        <translation>试验 #{number} 已在测试集上评估过（测试集只用一次）：{shown}</translation>
    </message>
    <message>
        <source>Evaluate on the test split</source>
        <translation>在测试集上评估</translation>
    </message>
    <message>
        <source>Evaluate once</source>
        <translation>评估一次</translation>
    </message>
    <message>
        <source>Evaluating trial #{number} on the test split…</source>
        <translation>正在测试集上评估试验 #{number}…</translation>
    </message>
    <message>
        <source>Exporting trial #{number}&apos;s model…</source>
        <translation>正在导出试验 #{number} 的模型…</translation>
    </message>
    <message>
        <source>Rerun with more seeds</source>
        <translation>用更多随机种子重新运行</translation>
    </message>
    <message>
        <source>Seeds (runs of the same values):</source>
        <translation>随机种子数（同一组取值的运行次数）：</translation>
    </message>
    <message>
        <source>Added experiment &apos;{name}&apos;: trial #{number} with {seeds} seeds. Select it and press Run.</source>
        <translation>已添加实验“{name}”：试验 #{number}，{seeds} 个随机种子。选中它并点击运行。</translation>
    </message>
    <message>
        <source>Re-run the top trials</source>
        <translation>重新运行最佳试验</translation>
    </message>
    <message>
        <source>Best trials to re-run (N):</source>
        <translation>要重新运行的最佳试验数（N）：</translation>
    </message>
    <message>
        <source>Seeds for each (K):</source>
        <translation>每个试验的随机种子数（K）：</translation>
    </message>
    <message>
        <source>{len} experiment(s) re-run the top {len} trial(s) with {seeds} seeds: {join}. Select each and press Run (or run `tunestudio rerun PROJECT --top {top} --seeds {seeds}`); the trials table then shows their mean ± std and which are within the noise.</source>
        <translation>{len} 个实验用 {seeds} 个随机种子重新运行前 {len} 个试验：{join}。逐个选中并点击运行（或运行 `tunestudio rerun PROJECT --top {top} --seeds {seeds}`）；之后试验表会显示它们的均值 ± 标准差，以及哪些差异在噪声范围内。</translation>
    </message>
    <message>
        <source>Exclude trials</source>
        <translation>排除试验</translation>
    </message>
    <message numerus="yes">
        <source>Why exclude %n trial(s)? (e.g. trained on the broken data file)</source>
        <translation>
            <numerusform>为什么排除这 %n 个试验？（例如：用损坏的数据文件训练）</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing was excluded: give a reason, it is shown wherever the trials appear.</source>
        <translation>未排除任何试验：请给出原因，它会显示在这些试验出现的每个地方。</translation>
    </message>
    <message>
        <source>Delete trials</source>
        <translation>删除试验</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n trial(s) and their curves from the history? This cannot be undone.</source>
        <translation>
            <numerusform>从历史记录中删除 %n 个试验及其曲线？此操作无法撤销。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n trial(s) of the table written to {written}</source>
        <translation>
            <numerusform>表格中的 %n 个试验已写入 {written}</numerusform>
        </translation>
    </message>
    <message>
        <source>Trial #{number}&apos;s config is now the baseline (Edit &gt; Undo takes it back).</source>
        <translation>试验 #{number} 的配置现在是基准模型（编辑 &gt; 撤销可还原）。</translation>
    </message>
    <message>
        <source>Trial #{number} on the test split: {shown}</source>
        <translation>试验 #{number} 在测试集上：{shown}</translation>
    </message>
    <message>
        <source>Trial #{number}&apos;s model written to {files} ({format}){check}</source>
        <translation>试验 #{number} 的模型已写入 {files}（{format}）{check}</translation>
    </message>
</context>
<context>
    <name>TrialDetail</name>
    <message>
        <source>Select a trial in the table.</source>
        <translation>在表格中选择一个试验。</translation>
    </message>
    <message>
        <source>Export plot…</source>
        <translation>导出图表…</translation>
    </message>
    <message>
        <source>Compute confusion matrix</source>
        <translation>计算混淆矩阵</translation>
    </message>
    <message>
        <source>Run k-fold cross-validation</source>
        <translation>运行 k 折交叉验证</translation>
    </message>
    <message>
        <source>Run LR range test</source>
        <translation>运行学习率查找</translation>
    </message>
    <message>
        <source>Write suggested range into the search space</source>
        <translation>把建议范围写入搜索空间</translation>
    </message>
    <message>
        <source>Confusion matrix</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <source>Cross-validation</source>
        <translation>交叉验证</translation>
    </message>
    <message>
        <source>LR range test</source>
        <translation>学习率查找</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>环境</translation>
    </message>
    <message>
        <source>Trial #{number}: {what}…</source>
        <translation>试验 #{number}：{what}…</translation>
    </message>
    <message>
        <source>{name} now searches optimizer.lr over {low:.3g}..{high:.3g} (log scale; Edit &gt; Undo takes it back).</source>
        <translation>{name} 现在在 {low:.3g}..{high:.3g}（对数刻度）上搜索 optimizer.lr；编辑 &gt; 撤销可还原。</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>Trial #{number} of {name}</source>
        <translation>{name} 的试验 #{number}</translation>
    </message>
    <message>
        <source>Not run for this trial yet.</source>
        <translation>还没有为这个试验运行过。</translation>
    </message>
    <message>
        <source>Why it ended {state}: {why}</source>
        <translation>结束状态为 {state} 的原因：{why}</translation>
    </message>
    <message>
        <source>predicted class</source>
        <translation>预测类别</translation>
    </message>
    <message>
        <source>true class</source>
        <translation>真实类别</translation>
    </message>
    <message>
        <source>Validation split, {int} samples. Weakest classes: {join}. Remedies: more data for them, class weights.</source>
        <translation>验证集，{int} 个样本。最弱的类别：{join}。对策：为它们补充数据，或使用类别权重。</translation>
    </message>
    <message>
        <source>{k}-fold: {metric} {mean:.4g} ± {std:.2g}</source>
        <translation>{k} 折：{metric} {mean:.4g} ± {std:.2g}</translation>
    </message>
    <message>
        <source>Mean {mean:.4g} ± {std:.2g} over {k} folds (line: the mean). Each fold is the validation split once.</source>
        <translation>{k} 折的均值 {mean:.4g} ± {std:.2g}（横线：均值）。每一折轮流作为一次验证集。</translation>
    </message>
    <message>
        <source>Suggested {lr:.3g} (a tenth of the LR where the smoothed loss is lowest).</source>
        <translation>建议值 {lr:.3g}（平滑损失最低处学习率的十分之一）。</translation>
    </message>
</context>
<context>
    <name>TrialLog</name>
    <message>
        <source>Follow the running trial</source>
        <translation>跟随正在运行的试验</translation>
    </message>
    <message>
        <source>While a run goes on, show the log of the trial that started last; off: the log of the trial selected in the table</source>
        <translation>运行期间显示最近开始的试验的日志；关闭时：显示表格中所选试验的日志</translation>
    </message>
    <message>
        <source>Select a trial of a program baseline to see what it printed.</source>
        <translation>选择一个以程序为基准模型的试验，查看它打印的内容。</translation>
    </message>
    <message>
        <source>Trial #{number} trained with the built-in training, which keeps no program log; its messages are in Trial detail.</source>
        <translation>试验 #{number} 使用内置训练，没有程序日志；它的消息见“试验详情”。</translation>
    </message>
    <message>
        <source>Trial #{number} ({state}): {path}</source>
        <translation>试验 #{number}（{state}）：{path}</translation>
    </message>
</context>
<context>
    <name>TrialWorkspace</name>
    <message>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Trial detail</source>
        <translation>试验详情</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
</context>
<context>
    <name>TrialsPanel</name>
    <message>
        <source>Filter, e.g.  state=complete  lr&lt;0.01  objective&gt;0.95</source>
        <translation>筛选，例如  state=complete  lr&lt;0.01  objective&gt;0.95</translation>
    </message>
    <message>
        <source>Other baselines in best</source>
        <translation>最佳试验含其他基准模型</translation>
    </message>
    <message>
        <source>Let trials trained on another baseline than the current one (marked in italics, Baseline: other) be the best trial</source>
        <translation>允许在其他基准模型上训练的试验（斜体标记，基准模型：other）成为最佳试验</translation>
    </message>
    <message>
        <source>Could not read the trial history: {error}</source>
        <translation>无法读取试验历史记录：{error}</translation>
    </message>
</context>
<context>
    <name>TrialsTable</name>
    <message>
        <source>objective</source>
        <translation>目标值</translation>
    </message>
    <message>
        <source>Trial number</source>
        <translation>试验编号</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Objective: {label} ({direction})</source>
        <translation>目标值：{label}（{direction}）</translation>
    </message>
    <message>
        <source>Standard deviation over the repeat seeds</source>
        <translation>重复随机种子之间的标准差</translation>
    </message>
    <message>
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <source>Against the best trial, given the spread between seeds: Welch&apos;s t-test of the two means (two-sided); within noise when p ≥ 0.05 (the difference may be seed luck), beyond noise otherwise. Shown when some trials ran with several seeds (repeats); a trial run once borrows their spread.</source>
        <translation>与最佳试验相比，考虑随机种子之间的离散程度：对两个均值做 Welch t 检验（双侧）；p ≥ 0.05 时在噪声范围内（差异可能只是随机种子的运气），否则超出噪声。当有试验用多个随机种子运行（重复）时显示；只运行一次的试验借用它们的离散程度。</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Why the trial did not complete (the first line of its message; the whole message in the cell&apos;s tooltip and the trial&apos;s detail)</source>
        <translation>试验未完成的原因（消息的第一行；完整消息见单元格的提示和试验详情）</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>耗时</translation>
    </message>
    <message>
        <source>Training time of all repeats</source>
        <translation>所有重复运行的训练时间</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Baseline</source>
        <translation>基准模型</translation>
    </message>
    <message>
        <source>current: trained on the current baseline; other: trained on another baseline (left out of best unless asked for)</source>
        <translation>current：在当前基准模型上训练；other：在其他基准模型上训练（除非要求，否则不参与最佳试验）</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>{label} on the test split (evaluated once)</source>
        <translation>测试集上的 {label}（只评估一次）</translation>
    </message>
    <message>
        <source>maximize</source>
        <translation>最大化</translation>
    </message>
    <message>
        <source>minimize</source>
        <translation>最小化</translation>
    </message>
    <message>
        <source>excluded: {reason}</source>
        <translation>已排除：{reason}</translation>
    </message>
    <message>
        <source>Excluded: {reason}. Kept and shown, but left out of best, the Pareto front, importance, noise verdicts, plots, exports and what the sampler learns (Include undoes it).</source>
        <translation>已排除：{reason}。保留并显示，但不计入最佳、帕累托前沿、重要性、噪声判断、图表、导出以及采样器学习的内容（“恢复计入”可撤销）。</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>TuneStudio</source>
        <translation>TuneStudio</translation>
    </message>
    <message>
        <source>Tune deep-learning training runs by controlled experiments: a baseline, one change at a time, every trial kept.</source>
        <translation>用控制变量的实验调优深度学习训练：一个基准模型，一次只改变一个参数，保留每一个试验。</translation>
    </message>
    <message>
        <source>&lt;b&gt;New project from a template&lt;/b&gt;</source>
        <translation>&lt;b&gt;从模板新建项目&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Open project…</source>
        <translation>打开项目…</translation>
    </message>
    <message>
        <source>No recent projects yet.</source>
        <translation>还没有最近的项目。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Recent projects&lt;/b&gt;</source>
        <translation>&lt;b&gt;最近的项目&lt;/b&gt;</translation>
    </message>
    <message>
        <source>{name}    —    unsaved, recovered from {stamp}</source>
        <translation>{name}    —    未保存，恢复自 {stamp}</translation>
    </message>
    <message>
        <source>Never saved: open it and save it to keep it</source>
        <translation>从未保存：打开并保存它才能保留</translation>
    </message>
    <message>
        <source>{stem}    —    {parent}  (missing)</source>
        <translation>{stem}    —    {parent}  （缺失）</translation>
    </message>
</context>
<context>
    <name>_Toast</name>
    <message>
        <source>&lt;b&gt;{icon}&lt;/b&gt;&amp;nbsp; {escape}</source>
        <translation>&lt;b&gt;{icon}&lt;/b&gt;&amp;nbsp; {escape}</translation>
    </message>
    <message>
        <source>Open log</source>
        <translation>打开日志</translation>
    </message>
    <message>
        <source>The full message is in {log}</source>
        <translation>完整消息见 {log}</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>actions</name>
    <message>
        <source>Trial #{number}: notes and tags</source>
        <translation>试验 #{number}：备注和标签</translation>
    </message>
    <message>
        <source>comma-separated, e.g. keep, lucky-seed</source>
        <translation>以逗号分隔，例如 keep, lucky-seed</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
</context>
<context>
    <name>dialogs</name>
    <message>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <source>Save project as</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>A search is running</source>
        <translation>搜索正在运行</translation>
    </message>
    <message>
        <source>Stop the search and close?</source>
        <translation>停止搜索并关闭？</translation>
    </message>
    <message>
        <source>The running trial is marked interrupted; finished trials are kept. You can run the experiment again later.</source>
        <translation>正在运行的试验将标记为已中断；已完成的试验会保留。之后可以再次运行该实验。</translation>
    </message>
    <message>
        <source>Stop and close</source>
        <translation>停止并关闭</translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation>继续运行</translation>
    </message>
    <message>
        <source>Unsaved changes found</source>
        <translation>发现未保存的更改</translation>
    </message>
    <message>
        <source>{name} has unsaved changes from {stamp} (TuneStudio closed before they were saved). Restore them?</source>
        <translation>{name} 有来自 {stamp} 的未保存更改（TuneStudio 在保存前关闭了）。要恢复它们吗？</translation>
    </message>
</context>
<context>
    <name>load_error</name>
    <message>
        <source>Cannot open project</source>
        <translation>无法打开项目</translation>
    </message>
</context>
<context>
    <name>lr_range</name>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
</context>
<context>
    <name>trust</name>
    <message>
        <source>User code not found</source>
        <translation>找不到用户代码</translation>
    </message>
    <message>
        <source>The project&apos;s {role} file does not exist:

{path}</source>
        <translation>项目的 {role} 文件不存在：

{path}</translation>
    </message>
    <message>
        <source>Run your training program?</source>
        <translation>运行你的训练程序？</translation>
    </message>
    <message>
        <source>This project trains by running a program of its own:</source>
        <translation>此项目通过运行它自己的程序来训练：</translation>
    </message>
    <message>
        <source>&lt;p&gt;It runs &lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;它运行 &lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;in &lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;位于 &lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>TuneStudio remembers your answer until the file changes.</source>
        <translation>TuneStudio 会记住你的回答，直到该文件被修改。</translation>
    </message>
    <message>
        <source>TuneStudio remembers your answer until the command changes.</source>
        <translation>TuneStudio 会记住你的回答，直到该命令被修改。</translation>
    </message>
    <message>
        <source>Each trial runs it with your permissions. Run it only if you wrote it or trust where it came from.</source>
        <translation>每个试验都以你的权限运行它。只有当它是你写的，或你信任它的来源时才运行。</translation>
    </message>
    <message>
        <source>Run your Python file?</source>
        <translation>运行你的 Python 文件？</translation>
    </message>
    <message>
        <source>This project runs its {role} from a Python file:</source>
        <translation>这个项目从一个 Python 文件运行它的 {role}：</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;&lt;p&gt;The file runs with your permissions. Run it only if you wrote it or trust where it came from. TuneStudio remembers your answer until the file changes.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;code&gt;{path}&lt;/code&gt;&lt;/p&gt;&lt;p&gt;该文件会以你的权限运行。只有当它是你写的，或你信任它的来源时才运行它。在文件改变之前，TuneStudio 会记住你的回答。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Trust and run</source>
        <translation>信任并运行</translation>
    </message>
    <message>
        <source>Don&apos;t run</source>
        <translation>不运行</translation>
    </message>
</context>
</TS>

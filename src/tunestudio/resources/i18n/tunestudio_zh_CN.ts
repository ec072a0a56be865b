<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>none (CPU build)</source>
        <translation>无（CPU 版本）</translation>
    </message>
    <message>
        <source>none found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>unavailable ({error})</source>
        <translation>不可用（{error}）</translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Tune deep-learning training runs by controlled experiments.</source>
        <translation>用控制变量的实验调优深度学习训练。</translation>
    </message>
    <message>
        <source>About TuneStudio</source>
        <translation>关于 TuneStudio</translation>
    </message>
</context>
<context>
    <name>AnalysisView</name>
    <message>
        <source>History</source>
        <translation>优化历史</translation>
    </message>
    <message>
        <source>Parallel coordinates</source>
        <translation>平行坐标图</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>切片图</translation>
    </message>
    <message>
        <source>Contour</source>
        <translation>等高线图</translation>
    </message>
    <message>
        <source>Importance</source>
        <translation>重要性</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>帕累托前沿</translation>
    </message>
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
        <source>Importance needs at least two complete trials.</source>
        <translation>计算重要性至少需要两个已完成的试验。</translation>
    </message>
    <message>
        <source>Computing…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <source>Analysis failed: {error}</source>
        <translation>分析失败：{error}</translation>
    </message>
    <message>
        <source>One variable at a time — {verdicts}</source>
        <translation>单一变量变化 — {verdicts}</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message numerus="yes">
        <source>{experiment}: %n complete trial(s)</source>
        <translation>
            <numerusform>{experiment}：%n 个已完成的试验</numerusform>
        </translation>
    </message>
    <message>
        <source>, best {metric} {best:.4g}</source>
        <translation>，最佳 {metric} {best:.4g}</translation>
    </message>
    <message numerus="yes">
        <source>; %n trained on another baseline, not counted as best</source>
        <translation>
            <numerusform>；%n 个在其他基准模型上训练，不计入最佳</numerusform>
        </translation>
    </message>
    <message>
        <source>; plots draw {shown} of them: the best {top}, the Pareto front and an even spread of the rest (the best-so-far line over all)</source>
        <translation>；图中绘出其中 {shown} 个：最好的 {top} 个、帕累托前沿及其余试验的均匀抽样（迄今最佳线覆盖全部试验）</translation>
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
    <message>
        <source>baseline</source>
        <translation>基准模型</translation>
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
    <message>
        <source>batch {size} (#{number})</source>
        <translation>批大小 {size}（#{number}）</translation>
    </message>
</context>
<context>
    <name>CheckpointUseLabel</name>
    <message>
        <source>Checkpoints: none kept</source>
        <translation>检查点：未保留</translation>
    </message>
    <message>
        <source>%n kept by finished trials</source>
        <translation>已结束的试验保留 %n 个</translation>
    </message>
    <message>
        <source>1 resume file of running or interrupted trials</source>
        <translation>运行中或被中断的试验有 1 个恢复文件</translation>
    </message>
    <message>
        <source>{count} resume files of running or interrupted trials</source>
        <translation>运行中或被中断的试验有 {count} 个恢复文件</translation>
    </message>
    <message>
        <source>Checkpoints: {size} ({parts})</source>
        <translation>检查点：{size}（{parts}）</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>Checkpoints: disk use not read ({error})</source>
        <translation>检查点：未能读取磁盘占用（{error}）</translation>
    </message>
    <message>
        <source>; checkpoints are off for this project (checkpoints.enabled)</source>
        <translation>；这个项目关闭了检查点（checkpoints.enabled）</translation>
    </message>
    <message>
        <source>; the best {count} finished trials of each experiment keep theirs (checkpoints.keep_best)</source>
        <translation>；每个实验中最好的 {count} 个已结束试验保留它们的检查点（checkpoints.keep_best）</translation>
    </message>
    <message>
        <source>In {value}{keep}</source>
        <translation>位于 {value}{keep}</translation>
    </message>
</context>
<context>
    <name>Condition</name>
    <message>
        <source>inactive: the baseline&apos;s {knob} is {value}, not one of {values}</source>
        <translation>不生效：基准模型的 {knob} 是 {value}，不在 {values} 之中</translation>
    </message>
    <message>
        <source>inactive: {knob} does not apply itself</source>
        <translation>不生效：{knob} 本身不适用</translation>
    </message>
    <message>
        <source>inactive: one variable at a time varies only the baseline&apos;s branch, and the baseline&apos;s {knob} is {value}</source>
        <translation>不生效：单一变量变化只改变基准模型所在的分支，而基准模型的 {knob} 是 {value}</translation>
    </message>
    <message>
        <source>inactive: {knob} never takes {values} in this search</source>
        <translation>不生效：本次搜索中 {knob} 从不取 {values}</translation>
    </message>
</context>
<context>
    <name>ConfigDiffDialog</name>
    <message>
        <source>Configs of trials #{number} and #{number2}</source>
        <translation>试验 #{number} 与 #{number2} 的配置</translation>
    </message>
    <message>
        <source>{count} difference(s), marked ≠.</source>
        <translation>{count} 处差异，标为 ≠。</translation>
    </message>
    <message>
        <source> Beyond the searched knobs: {knobs}.</source>
        <translation>搜索的参数之外还有：{knobs}。</translation>
    </message>
    <message>
        <source> Only the searched knobs (and the seed) differ.</source>
        <translation>只有搜索的参数（和随机种子）不同。</translation>
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
    <message>
        <source> (the surface fitted through {n} of them, evenly spread)</source>
        <translation>（曲面拟合自其中均匀分布的 {n} 个）</translation>
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
    <name>Diagnosis</name>
    <message>
        <source>Lower the learning rate (1e-4, even 1e-5).</source>
        <translation>降低学习率（1e-4，甚至 1e-5）。</translation>
    </message>
    <message>
        <source>Clip the gradient norm.</source>
        <translation>裁剪梯度范数（梯度裁剪）。</translation>
    </message>
    <message>
        <source>Add a warm-up.</source>
        <translation>加入预热。</translation>
    </message>
    <message>
        <source>Lower the momentum.</source>
        <translation>降低动量。</translation>
    </message>
    <message>
        <source>Lower the learning rate.</source>
        <translation>降低学习率。</translation>
    </message>
    <message>
        <source>Add or lengthen the warm-up.</source>
        <translation>加入或延长预热周期。</translation>
    </message>
    <message>
        <source>Use a better initialisation.</source>
        <translation>使用更好的初始化。</translation>
    </message>
    <message>
        <source>Use a ReLU-family activation.</source>
        <translation>使用 ReLU 系列的激活函数。</translation>
    </message>
    <message>
        <source>Add batch normalisation.</source>
        <translation>加入批量归一化。</translation>
    </message>
    <message>
        <source>Use a better initialisation (Kaiming for ReLU).</source>
        <translation>使用更好的初始化（ReLU 用 Kaiming）。</translation>
    </message>
    <message>
        <source>More L2 (weight decay) or dropout.</source>
        <translation>加大 L2 正则化（权重衰减）或 Dropout。</translation>
    </message>
    <message>
        <source>A smaller network.</source>
        <translation>更小的网络。</translation>
    </message>
    <message>
        <source>Early stopping.</source>
        <translation>早停。</translation>
    </message>
    <message>
        <source>More data.</source>
        <translation>更多数据。</translation>
    </message>
    <message>
        <source>A bigger network.</source>
        <translation>更大的网络。</translation>
    </message>
    <message>
        <source>Less regularisation.</source>
        <translation>减少正则化。</translation>
    </message>
    <message>
        <source>Tune the learning rate.</source>
        <translation>调节学习率。</translation>
    </message>
    <message>
        <source>Train longer.</source>
        <translation>训练更久。</translation>
    </message>
    <message>
        <source>Raise the learning rate (lower it if the loss oscillates).</source>
        <translation>提高学习率（如果损失震荡则降低它）。</translation>
    </message>
    <message>
        <source>Run an LR range test.</source>
        <translation>做一次学习率查找。</translation>
    </message>
    <message>
        <source>The LR is ~1/1024 of its start: stop training there.</source>
        <translation>学习率约为初始值的 1/1024：在那里停止训练。</translation>
    </message>
    <message>
        <source>If validation was still improving before the last cuts, cut later (more patience) or by less.</source>
        <translation>如果在最后几次衰减之前验证结果仍在改善，就晚些衰减（更大的 patience）或衰减得少些。</translation>
    </message>
    <message>
        <source>Diverging loss</source>
        <translation>损失发散</translation>
    </message>
    <message>
        <source>Unstable loss</source>
        <translation>损失不稳定</translation>
    </message>
    <message>
        <source>Exploding gradients</source>
        <translation>梯度爆炸</translation>
    </message>
    <message>
        <source>Vanishing gradients</source>
        <translation>梯度消失</translation>
    </message>
    <message>
        <source>Overfitting</source>
        <translation>过拟合</translation>
    </message>
    <message>
        <source>Underfitting</source>
        <translation>欠拟合</translation>
    </message>
    <message>
        <source>Loss falling too slowly</source>
        <translation>损失下降太慢</translation>
    </message>
    <message>
        <source>LR cut to its floor</source>
        <translation>学习率降到了下限</translation>
    </message>
    <message>
        <source>diverging loss</source>
        <translation>损失发散</translation>
    </message>
    <message>
        <source>unstable loss</source>
        <translation>损失不稳定</translation>
    </message>
    <message>
        <source>exploding gradients</source>
        <translation>梯度爆炸</translation>
    </message>
    <message>
        <source>vanishing gradients</source>
        <translation>梯度消失</translation>
    </message>
    <message>
        <source>overfitting</source>
        <translation>过拟合</translation>
    </message>
    <message>
        <source>underfitting</source>
        <translation>欠拟合</translation>
    </message>
    <message>
        <source>loss falling too slowly</source>
        <translation>损失下降太慢</translation>
    </message>
    <message>
        <source>lr cut to its floor</source>
        <translation>学习率降到了下限</translation>
    </message>
    <message>
        <source>Cure the {symptom} seen in {trial}.</source>
        <translation>解决在{trial}中看到的{symptom}问题。</translation>
    </message>
    <message>
        <source>this trial</source>
        <translation>这个试验</translation>
    </message>
    <message>
        <source>training loss ended at {f} by step {last}, {end_start:.3g}x its starting value {f2}; it passed twice the start around step {first} and peaked at {f3}</source>
        <translation>训练损失在 step {last} 时为 {f}，是初始值 {f2} 的 {end_start:.3g} 倍；它在 step {first} 附近超过初始值的两倍，峰值为 {f3}</translation>
    </message>
    <message>
        <source>training loss blew up to {f} around step {first} ({value:.3g}x its starting value {f2}) and never fell below the start again (it ended at {f3})</source>
        <translation>训练损失在 step {first} 附近暴涨到 {f}（初始值 {f2} 的 {value:.3g} 倍），此后再也没有低于初始值（最终为 {f3}）</translation>
    </message>
    <message>
        <source>training loss rose from {f} around step {first} to {f2} by step {last} (it started at {f3})</source>
        <translation>训练损失从 step {first} 附近的 {f} 上升到 step {last} 时的 {f2}（初始值为 {f3}）</translation>
    </message>
    <message>
        <source>training stopped: {message}</source>
        <translation>训练已停止：{message}</translation>
    </message>
    <message>
        <source>the loss became NaN</source>
        <translation>损失变成了 NaN</translation>
    </message>
    <message>
        <source>Loss diverges: the learning rate is too high, or the gradients explode.</source>
        <translation>损失发散：学习率太高，或者梯度爆炸。</translation>
    </message>
    <message>
        <source>training loss jumped above its running median by more than {f} on {int} of {len} steps</source>
        <translation>在 {len} 个 step 中有 {int} 个，训练损失比其滑动中位数高出 {f} 以上</translation>
    </message>
    <message>
        <source>training loss swung up by more than a quarter of its start {int} times</source>
        <translation>训练损失有 {int} 次向上波动超过初始值的四分之一</translation>
    </message>
    <message>
        <source>{text}, between steps {min} and {max}</source>
        <translation>{text}，位于 step {min} 到 {max} 之间</translation>
    </message>
    <message>
        <source>Loss swings wildly: LR too high (or momentum too strong).</source>
        <translation>损失剧烈震荡：学习率太高（或动量太大）。</translation>
    </message>
    <message>
        <source>gradient norm spiked to {f}, over {GRAD_SPIKE:g}x its running median, on {int} step(s) between {min} and {max}</source>
        <translation>在 step {min} 到 {max} 之间有 {int} 个 step，梯度范数突增到 {f}，超过其滑动中位数的 {GRAD_SPIKE:g} 倍</translation>
    </message>
    <message>
        <source>Gradient norm huge or spiking: exploding gradients.</source>
        <translation>梯度范数巨大或突增：梯度爆炸。</translation>
    </message>
    <message>
        <source>gradient norm fell to {f} (median of the second half; the first steps had {f2}) while the loss stayed near {f3}</source>
        <translation>梯度范数降到 {f}（后半段的中位数；最初的 step 为 {f2}），而损失一直停在 {f3} 附近</translation>
    </message>
    <message>
        <source>Gradient norm tiny and no learning: vanishing gradients.</source>
        <translation>梯度范数极小且学不到东西：梯度消失。</translation>
    </message>
    <message>
        <source>Train loss falls while validation loss rises: overfitting.</source>
        <translation>训练损失下降而验证损失上升：过拟合。</translation>
    </message>
    <message>
        <source>validation loss was lowest, {f}, at epoch {epoch:.3g} and rose to {f2} by epoch {epoch2:.3g} (+{value:.0f}%)</source>
        <translation>验证损失在 epoch {epoch:.3g} 时最低，为 {f}，到 epoch {epoch2:.3g} 时升到 {f2}（+{value:.0f}%）</translation>
    </message>
    <message>
        <source>training loss kept falling over the same epochs, from {f} to {f2}</source>
        <translation>同样这些 epoch 里训练损失持续下降，从 {f} 到 {f2}</translation>
    </message>
    <message>
        <source>steps {first} to {last}</source>
        <translation>step {first} 到 {last}</translation>
    </message>
    <message>
        <source>kept {value:.0f}% of its starting value {f}</source>
        <translation>保留了初始值 {f} 的 {value:.0f}%</translation>
    </message>
    <message>
        <source>was still falling at the end</source>
        <translation>在结束时仍在下降</translation>
    </message>
    <message>
        <source>hardly moved</source>
        <translation>几乎没有变化</translation>
    </message>
    <message>
        <source>training loss {kept} and {how} ({f} -&gt; {f2} over {span})</source>
        <translation>训练损失{kept}，并且{how}（{span}：{f} -&gt; {f2}）</translation>
    </message>
    <message>
        <source>Loss very slow to fall: the learning rate is too low (or too high and stuck).</source>
        <translation>损失下降非常慢：学习率太低（或太高而卡住了）。</translation>
    </message>
    <message>
        <source>training loss {kept} and was flat over the last third ({f} -&gt; {f2} over {span})</source>
        <translation>训练损失{kept}，并且在最后三分之一几乎持平（{span}：{f} -&gt; {f2}）</translation>
    </message>
    <message>
        <source>Train loss high and flat: underfitting (too little capacity, too much regularisation, or the LR is wrong).</source>
        <translation>训练损失高且平：欠拟合（容量太小、正则化太强，或学习率不合适）。</translation>
    </message>
    <message>
        <source>reduce-on-plateau cut the learning rate from {f} to {f2} by step {step}, then to its floor, 1/{round} of the start, where training stopped</source>
        <translation>平台期衰减在 step {step} 前把学习率从 {f} 降到 {f2}，随后降到下限（初始值的 1/{round}），训练在那里停止</translation>
    </message>
    <message>
        <source>learning rate reached {f}, 1/{round} of its peak {f2}, at step {step} and stayed there for {int} step(s)</source>
        <translation>学习率在 step {step} 达到 {f}，为峰值 {f2} 的 1/{round}，并在那里停留了 {int} 个 step</translation>
    </message>
    <message>
        <source>Reduce-on-plateau cut the LR to its floor: the practice&apos;s signal to stop training.</source>
        <translation>平台期衰减把学习率降到了下限：按照实践，这是停止训练的信号。</translation>
    </message>
    <message>
        <source>The LR sat at its floor for much of the run: those steps barely move the weights.</source>
        <translation>学习率在运行的大部分时间停在下限：这些 step 几乎不改变权重。</translation>
    </message>
    <message>
        <source>A lower learning rate keeps the loss from blowing up.</source>
        <translation>更低的学习率能防止损失爆炸。</translation>
    </message>
    <message>
        <source>The loss falls steadily at 1/10 or 1/100 of the LR; the best validation score is at one of the lower LRs.</source>
        <translation>学习率为 1/10 或 1/100 时损失平稳下降；最佳验证分数出现在较低的学习率之一。</translation>
    </message>
    <message>
        <source>A lower learning rate calms the swings of the loss.</source>
        <translation>更低的学习率能平息损失的震荡。</translation>
    </message>
    <message>
        <source>Smoother loss curves and a better validation score at a lower LR.</source>
        <translation>较低的学习率下损失曲线更平滑，验证分数更好。</translation>
    </message>
    <message>
        <source>A higher learning rate makes the loss fall faster.</source>
        <translation>更高的学习率让损失下降得更快。</translation>
    </message>
    <message>
        <source>The loss falls several times faster at 3x or 10x the LR.</source>
        <translation>学习率为 3 倍或 10 倍时，损失下降快好几倍。</translation>
    </message>
    <message>
        <source>More weight decay narrows the gap between training and validation loss.</source>
        <translation>更大的权重衰减能缩小训练损失与验证损失之间的差距。</translation>
    </message>
    <message>
        <source>Validation loss stops rising; the best validation score improves at the larger weight decay.</source>
        <translation>验证损失不再上升；较大的权重衰减下最佳验证分数提高。</translation>
    </message>
    <message>
        <source>Clipping the gradient norm removes the spikes without slowing training.</source>
        <translation>梯度裁剪能去掉突增，而不会减慢训练。</translation>
    </message>
    <message>
        <source>No gradient spikes; the loss falls as smoothly as before or better.</source>
        <translation>没有梯度突增；损失下降得和以前一样平滑或更好。</translation>
    </message>
    <message>
        <source>Gradients reach the first layers again with a non-saturating activation, batch norm or a better initialisation.</source>
        <translation>使用不饱和的激活函数、批量归一化或更好的初始化后，梯度能重新到达前面的层。</translation>
    </message>
    <message>
        <source>The gradient norm stays well above zero and the loss falls.</source>
        <translation>梯度范数保持在明显大于零的水平，损失下降。</translation>
    </message>
    <message>
        <source>More capacity (or less regularisation, or longer training) lowers the training loss.</source>
        <translation>更大的容量（或更少的正则化，或更长的训练）能降低训练损失。</translation>
    </message>
    <message>
        <source>Training and validation loss both end lower.</source>
        <translation>训练损失和验证损失最终都更低。</translation>
    </message>
    <message>
        <source>Cutting the LR later (or stopping at the floor) keeps the useful part of the run.</source>
        <translation>晚些衰减学习率（或在下限处停止）能保留运行中有用的部分。</translation>
    </message>
    <message>
        <source>The same or a better validation score, sooner.</source>
        <translation>更快得到相同或更好的验证分数。</translation>
    </message>
</context>
<context>
    <name>DiagnosisView</name>
    <message>
        <source>training loss per step</source>
        <translation>每个 step 的训练损失</translation>
    </message>
    <message>
        <source>training loss per evaluation</source>
        <translation>每次评估的训练损失</translation>
    </message>
    <message>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <source>gradient norm</source>
        <translation>梯度范数</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>trial #{number} of {experiment}</source>
        <translation>{experiment} 的试验 #{number}</translation>
    </message>
    <message>
        <source>Select a trial in the table above to see its curves and what they say.</source>
        <translation>在上方表格中选择一个试验，查看它的曲线以及曲线说明了什么。</translation>
    </message>
    <message>
        <source>This trial has no curves to read: it never trained a step.</source>
        <translation>这个试验没有可读的曲线：它一个 step 都没有训练过。</translation>
    </message>
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
        <source>Could not diagnose: {error}</source>
        <translation>无法诊断：{error}</translation>
    </message>
    <message>
        <source>&lt;b&gt;Trial #{number}&lt;/b&gt; ({state}): </source>
        <translation>&lt;b&gt;试验 #{number}&lt;/b&gt;（{state}）：</translation>
    </message>
    <message>
        <source>no symptom found: the curves look healthy.</source>
        <translation>没有发现症状：曲线看起来正常。</translation>
    </message>
    <message>
        <source>no curves to read.</source>
        <translation>没有可读的曲线。</translation>
    </message>
    <message numerus="yes">
        <source>%n finding(s), the most urgent first.</source>
        <translation>
            <numerusform>%n 个发现，最紧急的在前。</numerusform>
        </translation>
    </message>
    <message>
        <source>Evidence</source>
        <translation>依据</translation>
    </message>
    <message>
        <source>Remedies</source>
        <translation>对策</translation>
    </message>
    <message>
        <source>&lt;b&gt;Suggested next experiment&lt;/b&gt;: &lt;code&gt;{name}&lt;/code&gt;, {strategy} on &lt;code&gt;{knob}&lt;/code&gt;: {dimensions}.</source>
        <translation>&lt;b&gt;建议的下一个实验&lt;/b&gt;：&lt;code&gt;{name}&lt;/code&gt;，对 &lt;code&gt;{knob}&lt;/code&gt; 进行 {strategy}：{dimensions}。</translation>
    </message>
    <message>
        <source>training loss (smoothed) and validation loss</source>
        <translation>训练损失（平滑）与验证损失</translation>
    </message>
    <message>
        <source>training loss (smoothed)</source>
        <translation>训练损失（平滑）</translation>
    </message>
    <message>
        <source>step</source>
        <translation>step</translation>
    </message>
    <message>
        <source>{curve}: evidence shaded</source>
        <translation>{curve}：阴影部分为依据</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>smoothed</source>
        <translation>平滑</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
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
        <source>Knob</source>
        <translation>超参数</translation>
    </message>
    <message>
        <source>Kinds</source>
        <translation>适用类型</translation>
    </message>
    <message>
        <source>What it does</source>
        <translation>作用</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
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
        <source>Knob</source>
        <translation>超参数</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Range or choices</source>
        <translation>范围或可选值</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>对数</translation>
    </message>
    <message>
        <source>Grid values</source>
        <translation>网格取值</translation>
    </message>
    <message>
        <source>Applies when</source>
        <translation>适用条件</translation>
    </message>
    <message>
        <source>  (values {values})</source>
        <translation>  （取值 {values}）</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Add dimension…</source>
        <translation>添加维度…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>The knob that decides whether this dimension applies: a dimension before it (or a baseline field); the values below say which of its values make it apply.</source>
        <translation>决定这个维度是否适用的超参数：它之前的一个维度（或基准模型的一个字段）；下面的取值说明它取哪些值时这个维度适用。</translation>
    </message>
    <message>
        <source>Select a dimension to edit its range.</source>
        <translation>选择一个维度来编辑它的取值范围。</translation>
    </message>
    <message>
        <source>always (every trial)</source>
        <translation>始终（每个试验）</translation>
    </message>
    <message>
        <source>Applies to every trial.</source>
        <translation>适用于每个试验。</translation>
    </message>
    <message>
        <source>Applies when {condition}.</source>
        <translation>当 {condition} 时适用。</translation>
    </message>
    <message>
        <source>Greyed ({reason}): no trial varies it.</source>
        <translation>已置灰（{reason}）：没有试验会改变它。</translation>
    </message>
</context>
<context>
    <name>EnsembleDialog</name>
    <message>
        <source>Ensemble of the best trials</source>
        <translation>最佳试验的模型集成</translation>
    </message>
    <message>
        <source>How many of the best trials (that count for the best trial and keep a checkpoint) are averaged; with greedy selection, the number of rounds</source>
        <translation>对多少个最佳试验（计入最佳试验且保留了检查点的试验）取平均；使用贪心选择时为选择轮数</translation>
    </message>
    <message>
        <source>Greedy selection with replacement (Caruana et al., 2004) instead of the top K</source>
        <translation>用有放回的贪心选择（Caruana 等，2004）代替前 K 个</translation>
    </message>
    <message>
        <source>Evaluate the chosen ensemble on the test split (once)</source>
        <translation>在测试集上评估选定的集成（只一次）</translation>
    </message>
    <message>
        <source>Build ensemble</source>
        <translation>构建模型集成</translation>
    </message>
    <message>
        <source>Export ensemble…</source>
        <translation>导出模型集成…</translation>
    </message>
    <message>
        <source>Averages the predictions (class probabilities, or values for regression) of the stored models on the validation split.</source>
        <translation>在验证集上对保存的模型的预测（分类为类别概率，回归为预测值）取平均。</translation>
    </message>
    <message>
        <source>Trials (K):</source>
        <translation>试验数（K）：</translation>
    </message>
    <message>
        <source>The project is not valid: fix it to build an ensemble.</source>
        <translation>项目无效：修正后才能构建模型集成。</translation>
    </message>
    <message>
        <source>Loading the trials&apos; stored models…</source>
        <translation>正在加载试验保存的模型…</translation>
    </message>
    <message>
        <source>Export ensemble</source>
        <translation>导出模型集成</translation>
    </message>
    <message>
        <source>State dict (*.pt);;TorchScript (*.ts);;ONNX (*.onnx)</source>
        <translation>状态字典 state dict (*.pt);;TorchScript (*.ts);;ONNX (*.onnx)</translation>
    </message>
    <message>
        <source>Exporting the ensemble…</source>
        <translation>正在导出模型集成…</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>on {count} validation inputs the largest difference from the average is {diff}</source>
        <translation>在 {count} 个验证输入上与平均预测的最大差异为 {diff}</translation>
    </message>
    <message>
        <source>Ensemble written to {file} ({format}); {check}</source>
        <translation>模型集成已写入 {file}（{format}）；{check}</translation>
    </message>
    <message>
        <source>Trial</source>
        <translation>试验</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>Ensemble</source>
        <translation>模型集成</translation>
    </message>
    <message>
        <source>The ensemble beats the best single trial #{number} on {metric}: {ensemble} against {best} (gain {gain}).</source>
        <translation>模型集成在 {metric} 上优于最佳单个试验 #{number}：{ensemble} 对比 {best}（提升 {gain}）。</translation>
    </message>
    <message>
        <source>The ensemble does not beat the best single trial #{number} on {metric}: {ensemble} against {best}, short by {short}.</source>
        <translation>模型集成在 {metric} 上未能超过最佳单个试验 #{number}：{ensemble} 对比 {best}，差 {short}。</translation>
    </message>
    <message>
        <source>The ensemble ties the best single trial #{number} on {metric}: {ensemble}.</source>
        <translation>模型集成在 {metric} 上与最佳单个试验 #{number} 持平：{ensemble}。</translation>
    </message>
    <message>
        <source>Test split (evaluated once, for this ensemble): {values}</source>
        <translation>测试集（只为这个模型集成评估一次）：{values}</translation>
    </message>
    <message>
        <source>greedy selection</source>
        <translation>贪心选择</translation>
    </message>
    <message>
        <source>the top {k}</source>
        <translation>前 {k} 个</translation>
    </message>
    <message numerus="yes">
        <source>{count} trial(s) averaged ({method}).</source>
        <translation>
            <numerusform>已对 {count} 个试验取平均（{method}）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Kept in the history as ensemble #{number} (the Ensembles tab lists them).</source>
        <translation>已作为模型集成 #{number} 保存在历史中（“模型集成”标签页列出全部）。</translation>
    </message>
    <message>
        <source>Skipped: {list}</source>
        <translation>已跳过：{list}</translation>
    </message>
</context>
<context>
    <name>EnsemblesView</name>
    <message>
        <source>No ensemble of this experiment&apos;s trials is kept yet. Build one with &quot;Ensemble of the best…&quot; in the trials menu (or `tunestudio ensemble`): it is kept here with its members, its gain over the best member, its test split result and its exports.</source>
        <translation>尚未保存该实验试验的模型集成。在试验菜单中用“最佳试验的模型集成…”（或 `tunestudio ensemble`）构建一个：它会连同成员、相对最佳成员的提升、测试集结果和导出文件保存在这里。</translation>
    </message>
    <message>
        <source>Could not read the ensembles: {error}</source>
        <translation>无法读取模型集成：{error}</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>K</source>
        <translation>K</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Objective</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Best member</source>
        <translation>最佳成员</translation>
    </message>
    <message>
        <source>Gain</source>
        <translation>提升</translation>
    </message>
    <message>
        <source>Test split</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>Exports</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Built</source>
        <translation>构建时间</translation>
    </message>
    <message>
        <source>greedy (Caruana)</source>
        <translation>贪心选择（Caruana）</translation>
    </message>
    <message>
        <source>top K</source>
        <translation>前 K 个</translation>
    </message>
    <message>
        <source>trial #{number} (counted {count}×): {metric} {value}</source>
        <translation>试验 #{number}（计 {count} 次）：{metric} {value}</translation>
    </message>
    <message>
        <source>Skipped: {list}</source>
        <translation>已跳过：{list}</translation>
    </message>
    <message>
        <source>The ensemble beats its best member</source>
        <translation>模型集成优于其最佳成员</translation>
    </message>
    <message>
        <source>The ensemble does not beat its best member</source>
        <translation>模型集成未能超过其最佳成员</translation>
    </message>
    <message>
        <source>The ensemble ties its best member</source>
        <translation>模型集成与其最佳成员持平</translation>
    </message>
    <message>
        <source>Not evaluated on the test split</source>
        <translation>未在测试集上评估</translation>
    </message>
    <message>
        <source>Evaluated once, on {when}</source>
        <translation>已于 {when} 评估一次</translation>
    </message>
</context>
<context>
    <name>Environment</name>
    <message>
        <source>{label}: {a} vs {b}</source>
        <translation>{label}：{a} 对比 {b}</translation>
    </message>
    <message>
        <source>not recorded</source>
        <translation>未记录</translation>
    </message>
</context>
<context>
    <name>ExperimentEditor</name>
    <message>
        <source>until the time limit</source>
        <translation>直到时间上限</translation>
    </message>
    <message>
        <source>%n trials (of {full}, capped by the budget)</source>
        <translation>%n 个试验（共 {full} 个，受预算限制）</translation>
    </message>
    <message>
        <source>%n trials</source>
        <translation>%n 个试验</translation>
    </message>
    <message>
        <source>, each run {repeats}×</source>
        <translation>，每个运行 {repeats} 次</translation>
    </message>
    <message>
        <source>Grid would run {grid} · one variable at a time {ovat} · this search ({strategy}): {this}</source>
        <translation>网格搜索将运行 {grid} · 单一变量变化 {ovat} · 本次搜索（{strategy}）：{this}</translation>
    </message>
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
    <message>
        <source>Trial counts appear once the project is valid.</source>
        <translation>项目有效后显示试验数。</translation>
    </message>
</context>
<context>
    <name>ExperimentLabel</name>
    <message>
        <source> Running: &lt;b&gt;{name}&lt;/b&gt; </source>
        <translation> 正在运行：&lt;b&gt;{name}&lt;/b&gt; </translation>
    </message>
    <message>
        <source> Experiment: &lt;b&gt;{name}&lt;/b&gt; </source>
        <translation> 实验：&lt;b&gt;{name}&lt;/b&gt; </translation>
    </message>
</context>
<context>
    <name>ExperimentList</name>
    <message>
        <source>{strategy}
Goal: {goal}</source>
        <translation>{strategy}
实验目标：{goal}</translation>
    </message>
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
    <name>Field</name>
    <message>
        <source>Version of the project file format.</source>
        <translation>项目文件格式的版本。</translation>
    </message>
    <message>
        <source>Identity of the project; keys its default database.</source>
        <translation>项目的标识；用作其默认数据库的键。</translation>
    </message>
    <message>
        <source>Name of the project.</source>
        <translation>项目名称。</translation>
    </message>
    <message>
        <source>The baseline every experiment starts from.</source>
        <translation>每个实验的起点：基准模型（baseline）。</translation>
    </message>
    <message>
        <source>Data set and split.</source>
        <translation>数据集及其划分。</translation>
    </message>
    <message>
        <source>Where the samples come from.</source>
        <translation>样本的来源。</translation>
    </message>
    <message>
        <source>A data set that ships with TuneStudio: scikit-learn&apos;s bundled sets (digits as 1x8x8 images, iris, wine, breast cancer, diabetes) or a generated one (moons, spirals, friedman regression).</source>
        <translation>TuneStudio 自带的数据集：scikit-learn 附带的数据集（digits，作为 1x8x8 图像；iris、wine、breast_cancer、diabetes），或生成的数据集（moons、spirals、friedman 回归）。</translation>
    </message>
    <message>
        <source>Samples to generate (generated sets only).</source>
        <translation>要生成的样本数（仅生成的数据集）。</translation>
    </message>
    <message>
        <source>Noise of a generated set (generated sets only).</source>
        <translation>生成数据集的噪声（仅生成的数据集）。</translation>
    </message>
    <message>
        <source>Path of the file; a relative path is relative to the project file&apos;s folder.</source>
        <translation>文件路径；相对路径相对于项目文件所在的文件夹。</translation>
    </message>
    <message>
        <source>Classification (integer class labels) or regression.</source>
        <translation>分类（整数类别标签）或回归。</translation>
    </message>
    <message>
        <source>Name of the target column (header row required).</source>
        <translation>目标列的名称（需要表头行）。</translation>
    </message>
    <message>
        <source>Path of a NumPy .npz file holding arrays X and y; relative to the project file.</source>
        <translation>包含数组 X 和 y 的 NumPy .npz 文件路径；相对于项目文件。</translation>
    </message>
    <message>
        <source>A Python file of yours; it runs only after you trust it. Relative to the project file.</source>
        <translation>你自己的 Python 文件；只有在你信任它之后才会运行。相对于项目文件。</translation>
    </message>
    <message>
        <source>Function in the file: load_data() -&gt; (X, y) as NumPy arrays.</source>
        <translation>文件中的函数：load_data() -&gt; (X, y)，均为 NumPy 数组。</translation>
    </message>
    <message>
        <source>Folder with one subfolder per class holding PNG, JPEG or BMP files; the labels are the subfolder names in sorted order. Relative to the project file.</source>
        <translation>每个类别一个子文件夹、存放 PNG、JPEG 或 BMP 文件的文件夹；标签是按排序的子文件夹名称。相对于项目文件。</translation>
    </message>
    <message>
        <source>Height and width every image is resized to, in pixels; empty keeps the images&apos; own size (then they must all have the same size).</source>
        <translation>每张图像缩放到的高度和宽度（像素）；留空则保持图像原始尺寸（此时所有图像必须同样大小）。</translation>
    </message>
    <message>
        <source>Colour channels: 1 converts the images to greyscale, 3 to RGB.</source>
        <translation>颜色通道：1 把图像转为灰度，3 转为 RGB。</translation>
    </message>
    <message>
        <source>Where the decoded images live while training: &apos;device&apos; keeps them as uint8 tensors on the training device (fastest), &apos;stream&apos; feeds batches through a DataLoader with worker processes and pinned memory, &apos;auto&apos; keeps them on the device when they fit.</source>
        <translation>训练时解码后的图像放在哪里：device 把它们作为 uint8 张量放在训练设备上（最快），stream 通过带工作进程和锁页内存的 DataLoader 按批送入，auto 在放得下时放在设备上。</translation>
    </message>
    <message>
        <source>A Python file of yours defining make_datasets(split_seed) -&gt; (train, val) or (train, val, test) of torch.utils.data.Dataset; it runs only after you trust it. Relative to the project file.</source>
        <translation>你自己的 Python 文件，定义 make_datasets(split_seed) -&gt; (train, val) 或 (train, val, test)，均为 torch.utils.data.Dataset；只有在你信任它之后才会运行。相对于项目文件。</translation>
    </message>
    <message>
        <source>Function in the file: make_datasets(split_seed: int) -&gt; (train, val[, test]) Datasets whose items are (input tensor, target) pairs.</source>
        <translation>文件中的函数：make_datasets(split_seed: int) -&gt; (train, val[, test])，Dataset 的每一项是 (输入张量, 目标) 对。</translation>
    </message>
    <message>
        <source>Number of classes (classification); empty: one more than the largest training label.</source>
        <translation>类别数（分类）；留空：训练标签最大值加一。</translation>
    </message>
    <message>
        <source>Fraction of the data held out for validation; all tuning decisions use it.</source>
        <translation>留作验证集的数据比例；所有调参决定都依据它。</translation>
    </message>
    <message>
        <source>Keep the split fixed (same seed) across experiments, or results are not comparable.</source>
        <translation>在各实验之间保持划分固定（相同的随机种子），否则结果不可比较。</translation>
    </message>
    <message>
        <source>Fraction held out as the test set, evaluated once, on request, for the final model.</source>
        <translation>留作测试集的比例，只在需要时为最终模型评估一次。</translation>
    </message>
    <message>
        <source>The test set is used once, for the final model, never during tuning.</source>
        <translation>测试集只用一次，用于最终模型，调参过程中绝不使用。</translation>
    </message>
    <message>
        <source>Seed of the train/validation/test split.</source>
        <translation>训练集/验证集/测试集划分的随机种子。</translation>
    </message>
    <message>
        <source>Keep class proportions equal across splits (classification only).</source>
        <translation>在各个划分中保持类别比例一致（仅分类）。</translation>
    </message>
    <message>
        <source>Scale features to zero mean and unit variance, fitted on the training split only (image folders: one mean and standard deviation per colour channel, kept with the trial and applied inside the model).</source>
        <translation>把特征缩放为零均值、单位方差，只在训练集上拟合（图像文件夹：每个颜色通道一个均值和标准差，随试验保存并在模型内部应用）。</translation>
    </message>
    <message>
        <source>Keep only these class labels (classification only); empty keeps all.</source>
        <translation>只保留这些类别标签（仅分类）；留空保留全部。</translation>
    </message>
    <message>
        <source>Simplify to go fast: while the model does not learn, keep two classes of ten (80% less data, about 5x faster).</source>
        <translation>简化问题以求快速：模型还学不会时，十个类别只保留两个（数据少 80%，约快 5 倍）。</translation>
    </message>
    <message>
        <source>Fraction of the samples to use, drawn with the split seed.</source>
        <translation>使用的样本比例，用划分的随机种子抽取。</translation>
    </message>
    <message>
        <source>Use less data for quick feedback while the setup does not learn at all.</source>
        <translation>设置还完全学不会时，用更少的数据来获得快速反馈。</translation>
    </message>
    <message>
        <source>Random changes to the training images (image-shaped data only), drawn per sample on the training device; validation and test images are never changed.</source>
        <translation>对训练图像的随机变换（仅图像形状的数据），在训练设备上对每个样本抽取；验证集和测试集的图像从不改变。</translation>
    </message>
    <message>
        <source>Random crop with padding: pad each side by this many pixels (zeros), then crop a window of the original size at a random place; 0 = off.</source>
        <translation>带填充的随机裁剪：每边填充这么多像素（零），再在随机位置裁剪出原始尺寸的窗口；0 = 关闭。</translation>
    </message>
    <message>
        <source>For 32x32 images, 4 pixels is the usual choice (about 1/8 of the side).</source>
        <translation>对 32x32 的图像，通常取 4 像素（约边长的 1/8）。</translation>
    </message>
    <message>
        <source>Mirror half of the images left-right.</source>
        <translation>把一半的图像左右镜像。</translation>
    </message>
    <message>
        <source>Only where a mirrored image keeps its class (photos: yes; digits, text: no).</source>
        <translation>只在镜像后类别不变时使用（照片：可以；数字、文字：不行）。</translation>
    </message>
    <message>
        <source>Random rotation up to this many degrees either way; 0 = off.</source>
        <translation>向任一方向随机旋转，最多这么多度；0 = 关闭。</translation>
    </message>
    <message>
        <source>Overfitting on images: augmentation is often the cheapest regulariser. Too strong a change makes the task harder than it is and the model underfits.</source>
        <translation>图像上过拟合：数据增强往往是最便宜的正则化手段。变换太强会让任务比实际更难，模型会欠拟合。</translation>
    </message>
    <message>
        <source>Random shift up to this fraction of the width and height either way; 0 = off.</source>
        <translation>向任一方向随机平移，最多宽和高的这个比例；0 = 关闭。</translation>
    </message>
    <message>
        <source>Random zoom by up to this fraction either way (0.1: 90% to 110%); 0 = off.</source>
        <translation>向任一方向随机缩放，最多这个比例（0.1：90% 到 110%）；0 = 关闭。</translation>
    </message>
    <message>
        <source>Network architecture.</source>
        <translation>网络结构。</translation>
    </message>
    <message>
        <source>Units in each hidden layer.</source>
        <translation>每个隐藏层的单元数。</translation>
    </message>
    <message>
        <source>Capacity: too little underfits, too much overfits and trains slowly.</source>
        <translation>容量：太小会欠拟合，太大会过拟合且训练慢。</translation>
    </message>
    <message>
        <source>Number of hidden layers.</source>
        <translation>隐藏层的层数。</translation>
    </message>
    <message>
        <source>Explicit units per hidden layer; when set it replaces width and depth.</source>
        <translation>逐层指定的隐藏层单元数；设置后取代 width 和 depth。</translation>
    </message>
    <message>
        <source>Non-linearity between layers.</source>
        <translation>层与层之间的非线性激活函数。</translation>
    </message>
    <message>
        <source>Vanishing gradients: prefer the ReLU family over tanh or sigmoid.</source>
        <translation>梯度消失：优先使用 ReLU 系列，而不是 tanh 或 sigmoid。</translation>
    </message>
    <message>
        <source>Dropout after each hidden layer.</source>
        <translation>每个隐藏层之后的 Dropout 率。</translation>
    </message>
    <message>
        <source>Overfitting: raise it. Too much weakens the model.</source>
        <translation>过拟合：调高它。太高会削弱模型。</translation>
    </message>
    <message>
        <source>Batch normalisation after each hidden layer.</source>
        <translation>每个隐藏层之后做批量归一化。</translation>
    </message>
    <message>
        <source>Normalises each layer&apos;s input per batch: speeds convergence, mildly regularises.</source>
        <translation>按批归一化每一层的输入：加快收敛，并有轻微的正则化作用。</translation>
    </message>
    <message>
        <source>How the weights start: &apos;default&apos; keeps PyTorch&apos;s own initialisation.</source>
        <translation>权重的初始化方式：default 保留 PyTorch 自己的初始化。</translation>
    </message>
    <message>
        <source>Vanishing or exploding gradients: try a better initialisation (Kaiming for ReLU).</source>
        <translation>梯度消失或梯度爆炸：尝试更好的初始化（ReLU 用 Kaiming）。</translation>
    </message>
    <message>
        <source>Output channels of each convolution block (conv, norm, activation, 2x2 pooling).</source>
        <translation>每个卷积块的输出通道数（卷积、归一化、激活、2x2 池化）。</translation>
    </message>
    <message>
        <source>Convolution kernel size (odd).</source>
        <translation>卷积核大小（奇数）。</translation>
    </message>
    <message>
        <source>Units of the fully connected layer before the output.</source>
        <translation>输出层之前全连接层的单元数。</translation>
    </message>
    <message>
        <source>Dropout before the output layer.</source>
        <translation>输出层之前的 Dropout 率。</translation>
    </message>
    <message>
        <source>Batch normalisation after each convolution.</source>
        <translation>每个卷积之后做批量归一化。</translation>
    </message>
    <message>
        <source>A local checkpoint to start from: a state dict saved with torch.save (loaded with weights_only=True, never unpickled) or a .safetensors file; a classifier head of another size is left freshly initialised. Relative to the project file; empty = random weights.</source>
        <translation>作为起点的本地检查点：用 torch.save 保存的 state dict（以 weights_only=True 加载，从不 unpickle）或 .safetensors 文件；尺寸不同的分类头保持新初始化。相对于项目文件；留空 = 随机权重。</translation>
    </message>
    <message>
        <source>What does not train: none; backbone (only the classifier head learns); all_but_last (the last trainable_blocks blocks and the head learn). Frozen batch norm layers keep their statistics.</source>
        <translation>哪些部分不训练：none；backbone（只有分类头学习）；all_but_last（最后 trainable_blocks 个块和分类头学习）。冻结的批量归一化层保留其统计量。</translation>
    </message>
    <message>
        <source>Fine-tuning a pretrained model on little data: freeze the backbone first, then unfreeze the last blocks with a lower learning rate.</source>
        <translation>在少量数据上微调预训练模型：先冻结 backbone，再用更低的学习率解冻最后几个块。</translation>
    </message>
    <message>
        <source>Blocks at the end of the backbone that learn when freeze is all_but_last.</source>
        <translation>freeze 为 all_but_last 时，backbone 末尾参与学习的块数。</translation>
    </message>
    <message>
        <source>A torchvision architecture, built with random weights (nothing is downloaded) and its classifier head sized to the task&apos;s outputs; grey images are fed to its first convolution directly.</source>
        <translation>torchvision 的一种网络结构，以随机权重构建（不下载任何东西），分类头按任务的输出设定大小；灰度图像直接送入它的第一个卷积。</translation>
    </message>
    <message>
        <source>Function in the file: build_model(input_shape: tuple[int, ...], n_outputs: int) -&gt; torch.nn.Module.</source>
        <translation>文件中的函数：build_model(input_shape: tuple[int, ...], n_outputs: int) -&gt; torch.nn.Module。</translation>
    </message>
    <message>
        <source>Optimiser and regularisation.</source>
        <translation>优化器与正则化。</translation>
    </message>
    <message>
        <source>Initial learning rate (peak after warm-up).</source>
        <translation>初始学习率（预热之后的峰值）。</translation>
    </message>
    <message>
        <source>Default 0.001. Loss swings up and down or blows up: lower it to 1e-4, even 1e-5. Loss falls very slowly: usually too low, raise it (the LR range test tells which). Too high: unstable; too low: slow. Run an LR range test before a long run.</source>
        <translation>默认 0.001。损失上下震荡或爆炸：把它降到 1e-4，甚至 1e-5。损失下降很慢：通常是太低了，调高它（学习率查找会告诉你是哪种情况）。太高：不稳定；太低：慢。长时间训练之前先做一次学习率查找。</translation>
    </message>
    <message>
        <source>L2 penalty coefficient: lambda * sum(w^2).</source>
        <translation>L2 正则化系数：lambda * sum(w^2)。</translation>
    </message>
    <message>
        <source>Default 0.0004. Overfitting: raise it; underfitting: lower it or drop it.</source>
        <translation>默认 0.0004。过拟合：调高它；欠拟合：调低或去掉它。</translation>
    </message>
    <message>
        <source>L1 penalty coefficient: lambda * sum(|w|), added to the loss.</source>
        <translation>L1 正则化系数：lambda * sum(|w|)，加到损失上。</translation>
    </message>
    <message>
        <source>Momentum.</source>
        <translation>动量。</translation>
    </message>
    <message>
        <source>Default 0.9. Strong oscillation in training: lower it.</source>
        <translation>默认 0.9。训练中震荡强烈：调低它。</translation>
    </message>
    <message>
        <source>Nesterov momentum.</source>
        <translation>Nesterov 动量。</translation>
    </message>
    <message>
        <source>Decay of the first-moment (momentum) estimate.</source>
        <translation>一阶矩（动量）估计的衰减率。</translation>
    </message>
    <message>
        <source>Decay of the second-moment estimate.</source>
        <translation>二阶矩估计的衰减率。</translation>
    </message>
    <message>
        <source>Term added to the denominator for stability.</source>
        <translation>为数值稳定加到分母上的项。</translation>
    </message>
    <message>
        <source>Smoothing constant of the squared-gradient average.</source>
        <translation>梯度平方平均的平滑常数。</translation>
    </message>
    <message>
        <source>Learning-rate schedule.</source>
        <translation>学习率调度。</translation>
    </message>
    <message>
        <source>Epochs over which the LR rises linearly from 0 to its initial value.</source>
        <translation>学习率从 0 线性升到初始值所用的 epoch 数。</translation>
    </message>
    <message>
        <source>Default 10 epochs. If warm-up shows no benefit, shorten it or remove it.</source>
        <translation>默认预热周期为 10 个 epoch。如果预热没有带来好处，缩短或去掉它。</translation>
    </message>
    <message>
        <source>Epochs between two cuts: lr0 * gamma^floor(t/s).</source>
        <translation>两次衰减之间的 epoch 数：lr0 * gamma^floor(t/s)。</translation>
    </message>
    <message>
        <source>Factor applied at each cut.</source>
        <translation>每次衰减乘上的系数。</translation>
    </message>
    <message>
        <source>Factor per epoch: lr0 * gamma^t.</source>
        <translation>每个 epoch 的系数：lr0 * gamma^t。</translation>
    </message>
    <message>
        <source>Final LR as a fraction of the initial LR.</source>
        <translation>最终学习率占初始学习率的比例。</translation>
    </message>
    <message>
        <source>Cosine annealing: large steps early to explore, small steps late to settle.</source>
        <translation>余弦退火：前期大步探索，后期小步收敛。</translation>
    </message>
    <message>
        <source>Length of the first cosine cycle.</source>
        <translation>第一个余弦周期的长度。</translation>
    </message>
    <message>
        <source>Each cycle is this many times longer than the one before.</source>
        <translation>每个周期是前一个周期的多少倍长。</translation>
    </message>
    <message>
        <source>Lowest LR of a cycle as a fraction of the initial LR.</source>
        <translation>一个周期内最低学习率占初始学习率的比例。</translation>
    </message>
    <message>
        <source>Must stay 0: one-cycle has its own rising phase (pct_start).</source>
        <translation>必须保持为 0：one-cycle 有自己的上升阶段（pct_start）。</translation>
    </message>
    <message>
        <source>Fraction of training spent raising the LR.</source>
        <translation>训练中用于提升学习率的比例。</translation>
    </message>
    <message>
        <source>Starting LR = lr / div_factor.</source>
        <translation>起始学习率 = lr / div_factor。</translation>
    </message>
    <message>
        <source>Final LR = starting LR / final_div_factor.</source>
        <translation>最终学习率 = 起始学习率 / final_div_factor。</translation>
    </message>
    <message>
        <source>Validation metric watched for a plateau.</source>
        <translation>用来判断是否进入平台期的验证指标。</translation>
    </message>
    <message>
        <source>Factor applied to the LR when the metric stops improving.</source>
        <translation>指标不再改善时学习率乘上的系数。</translation>
    </message>
    <message>
        <source>Evaluations without improvement before a cut.</source>
        <translation>衰减之前允许没有改善的评估次数。</translation>
    </message>
    <message>
        <source>Smallest change that counts as an improvement.</source>
        <translation>算作改善的最小变化量。</translation>
    </message>
    <message>
        <source>Lowest LR as a fraction of the initial LR.</source>
        <translation>最低学习率占初始学习率的比例。</translation>
    </message>
    <message>
        <source>Keep LR constant until validation gets worse, then cut; repeat until the LR is 1/1024 of the start, then stop training.</source>
        <translation>保持学习率不变，直到验证结果变差再衰减；重复，直到学习率为初始值的 1/1024，然后停止训练。</translation>
    </message>
    <message>
        <source>End training once the LR has reached the floor.</source>
        <translation>学习率降到下限后结束训练。</translation>
    </message>
    <message>
        <source>Training loop.</source>
        <translation>训练循环。</translation>
    </message>
    <message>
        <source>Passes over the training split.</source>
        <translation>遍历训练集的轮数。</translation>
    </message>
    <message>
        <source>Samples per optimisation step.</source>
        <translation>每个优化 step 的样本数。</translation>
    </message>
    <message>
        <source>Typical 32, 64, 128 (powers of 2). Too large runs out of memory; smaller is noisier and slower; larger is faster but may generalise worse. Compare batch sizes by validation accuracy against wall-clock time, not epochs.</source>
        <translation>常用 32、64、128（2 的幂）。太大会耗尽显存；较小噪声更大、更慢；较大更快但泛化能力可能更差。比较批大小时看验证准确率与实际耗时的关系，而不是 epoch 数。</translation>
    </message>
    <message>
        <source>Loss: cross-entropy for classification, MSE for regression (&apos;auto&apos; picks).</source>
        <translation>损失函数：分类用交叉熵损失，回归用均方误差（MSE）（auto 自动选择）。</translation>
    </message>
    <message>
        <source>Label smoothing of the cross-entropy loss.</source>
        <translation>交叉熵损失的标签平滑。</translation>
    </message>
    <message>
        <source>Clip the global gradient norm to this value; empty = no clipping.</source>
        <translation>把全局梯度范数裁剪到这个值；留空 = 不裁剪。</translation>
    </message>
    <message>
        <source>The cure for exploding gradients.</source>
        <translation>治疗梯度爆炸的办法。</translation>
    </message>
    <message>
        <source>Automatic mixed precision (CUDA only).</source>
        <translation>自动混合精度（仅 CUDA）。</translation>
    </message>
    <message>
        <source>Where to train: auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps.</source>
        <translation>在哪里训练：auto（依次尝试 CUDA、MPS、CPU）、cpu、cuda、cuda:N 或 mps。</translation>
    </message>
    <message>
        <source>Seed of weights and batch order; the same seed gives the same run.</source>
        <translation>权重和批次顺序的随机种子；相同的种子得到相同的运行。</translation>
    </message>
    <message>
        <source>Use deterministic algorithms only (slower on a GPU, reproducible).</source>
        <translation>只使用确定性算法（在 GPU 上更慢，但可复现）。</translation>
    </message>
    <message>
        <source>Worker processes of the DataLoader that feeds a python_dataset or a streamed image folder; 0 loads in the training thread.</source>
        <translation>为 python_dataset 或流式图像文件夹供数的 DataLoader 的工作进程数；0 表示在训练线程中加载。</translation>
    </message>
    <message>
        <source>Raise it (2-8) when the GPU waits for data; each worker costs a process and memory.</source>
        <translation>GPU 在等数据时调高它（2-8）；每个工作进程都占用一个进程和内存。</translation>
    </message>
    <message>
        <source>Early stopping.</source>
        <translation>早停。</translation>
    </message>
    <message>
        <source>Stop when the monitored metric stops improving.</source>
        <translation>监控的指标不再改善时停止。</translation>
    </message>
    <message>
        <source>Metric watched for improvement.</source>
        <translation>监控是否改善的指标。</translation>
    </message>
    <message>
        <source>Whether lower or higher is better; &apos;auto&apos; knows it from the metric.</source>
        <translation>越低越好还是越高越好；auto 根据指标自动判断。</translation>
    </message>
    <message>
        <source>Evaluations without improvement before stopping.</source>
        <translation>停止之前允许没有改善的评估次数。</translation>
    </message>
    <message>
        <source>The validation metric wiggles: give it a few evaluations of patience.</source>
        <translation>验证指标会波动：给它几次评估的耐心。</translation>
    </message>
    <message>
        <source>Stop as soon as the metric reaches this value; empty = no target.</source>
        <translation>指标一达到这个值就停止；留空 = 没有目标值。</translation>
    </message>
    <message>
        <source>A target adds a threshold to choose; patience alone is often enough.</source>
        <translation>目标值又多了一个要选的阈值；通常只用 patience 就够了。</translation>
    </message>
    <message>
        <source>Evaluation cadence.</source>
        <translation>评估频率。</translation>
    </message>
    <message>
        <source>Evaluate on the validation split every N units.</source>
        <translation>每 N 个单位在验证集上评估一次。</translation>
    </message>
    <message>
        <source>Evaluate more often while you simplify to go fast.</source>
        <translation>简化问题以求快速时，评估得更频繁些。</translation>
    </message>
    <message>
        <source>Unit of &apos;every&apos;.</source>
        <translation>every 的单位。</translation>
    </message>
    <message>
        <source>k for k-fold cross-validation of a config.</source>
        <translation>对一个配置做 k 折交叉验证的 k。</translation>
    </message>
    <message>
        <source>Optimiser values that change while the run trains, each from a step on (a population-based training member&apos;s schedule, written back); empty = none.</source>
        <translation>训练过程中改变的优化器取值，每项从某一步起生效（写回的基于种群的训练成员的调度）；留空 = 无。</translation>
    </message>
    <message>
        <source>Your own training program, run instead of the built-in training (the sections above are then unused); empty = the built-in training.</source>
        <translation>你自己的训练程序，代替内置训练运行（此时上面的各部分不再使用）；留空 = 内置训练。</translation>
    </message>
    <message>
        <source>The command that trains, e.g. &apos;python train.py --epochs 20&apos; (python is the Python TuneStudio runs on), or a Python function &apos;module:function&apos; called with the parameters as keyword arguments.</source>
        <translation>进行训练的命令，例如 python train.py --epochs 20（python 即运行 TuneStudio 的 Python），或一个以超参数为关键字参数调用的 Python 函数 module:function。</translation>
    </message>
    <message>
        <source>Folder the program runs in, relative to the project file&apos;s folder; empty = the project file&apos;s folder.</source>
        <translation>程序运行所在的文件夹，相对于项目文件所在的文件夹；留空 = 项目文件所在的文件夹。</translation>
    </message>
    <message>
        <source>Environment variables set for the program.</source>
        <translation>为程序设置的环境变量。</translation>
    </message>
    <message>
        <source>The program&apos;s named parameters.</source>
        <translation>程序的具名参数。</translation>
    </message>
    <message>
        <source>How a trial&apos;s values reach the program: command-line flags (--lr 0.003), key=value overrides (Hydra style: lr=0.003), environment variables (LR=0.003), or a JSON file whose path is passed (json_flag).</source>
        <translation>试验的取值如何传给程序：命令行参数（--lr 0.003）、key=value 覆盖（Hydra 风格：lr=0.003）、环境变量（LR=0.003），或传入路径的 JSON 文件（json_flag）。</translation>
    </message>
    <message>
        <source>How a flag is made from a parameter&apos;s name: batch_size -&gt; --batch-size (dashes) or --batch_size (underscores). A parameter&apos;s own &apos;flag&apos; wins.</source>
        <translation>如何由参数名生成命令行参数：batch_size -&gt; --batch-size（连字符）或 --batch_size（下划线）。参数自己的 flag 优先。</translation>
    </message>
    <message>
        <source>A bool parameter as a switch (--amp when true, nothing when false, as argparse&apos;s store_true reads it) or with a value (--amp true).</source>
        <translation>布尔参数作为开关（为真时传 --amp，为假时不传，与 argparse 的 store_true 一致）或带值（--amp true）。</translation>
    </message>
    <message>
        <source>Prefix of the environment variables when values are passed as such: with &apos;TRAIN_&apos;, lr becomes TRAIN_LR.</source>
        <translation>以环境变量传值时变量名的前缀：前缀为 TRAIN_ 时，lr 变成 TRAIN_LR。</translation>
    </message>
    <message>
        <source>With pass_values json_file: the flag that gives the file&apos;s path (empty: only the TUNESTUDIO_PARAMS_FILE environment variable names it).</source>
        <translation>pass_values 为 json_file 时：给出文件路径的命令行参数（留空：只由环境变量 TUNESTUDIO_PARAMS_FILE 给出）。</translation>
    </message>
    <message>
        <source>Regular expression that finds metrics in a printed line: with groups &apos;key&apos; and &apos;value&apos; each match is one metric; otherwise each named group is a metric of that name. Empty = key=value and key: value pairs (epoch 3 train_loss=0.41 val_acc=0.93).</source>
        <translation>在打印的行中查找指标的正则表达式：含 key 和 value 分组时，每个匹配是一个指标；否则每个命名分组是同名的指标。留空 = key=value 和 key: value 对（epoch 3 train_loss=0.41 val_acc=0.93）。</translation>
    </message>
    <message>
        <source>Seconds one trial may run before it is stopped and fails; empty = no limit.</source>
        <translation>一个试验在被停止并判为失败之前可运行的秒数；留空 = 不限。</translation>
    </message>
    <message>
        <source>Seconds a stopped program gets after an interrupt (Ctrl+C), and again after a terminate signal, before it is killed.</source>
        <translation>被停止的程序在中断（Ctrl+C）之后、以及收到终止信号之后，各有多少秒的宽限，然后被强制结束。</translation>
    </message>
    <message>
        <source>The parameter that takes the run&apos;s seed (repeats over seeds add 0, 1, ... to it); empty = none.</source>
        <translation>接收本次运行随机种子的参数（多个随机种子的重复运行依次加 0、1、...）；留空 = 无。</translation>
    </message>
    <message>
        <source>Name of the parameter (a Python identifier, e.g. batch_size); a search dimension names it params.NAME.</source>
        <translation>参数名称（Python 标识符，例如 batch_size）；搜索维度中写作 params.NAME。</translation>
    </message>
    <message>
        <source>Type of its value.</source>
        <translation>取值的类型。</translation>
    </message>
    <message>
        <source>Value a trial passes when no dimension varies it.</source>
        <translation>没有维度改变它时试验传入的值。</translation>
    </message>
    <message>
        <source>The only values it accepts; empty = any.</source>
        <translation>它接受的所有取值；留空 = 任意。</translation>
    </message>
    <message>
        <source>Its flag exactly as the program spells it (e.g. -lr); empty = made from the name by the program&apos;s flag style.</source>
        <translation>程序中该参数的原样写法（例如 -lr）；留空 = 按程序的 flag 风格由名称生成。</translation>
    </message>
    <message>
        <source>Values of the program&apos;s parameters that differ from their defaults (a trial&apos;s sampled values land here).</source>
        <translation>与默认值不同的程序参数取值（试验采样的取值写在这里）。</translation>
    </message>
    <message>
        <source>Optimisation steps done when the values change (the change applies from the next step).</source>
        <translation>取值改变时已完成的优化步数（改变从下一步起生效）。</translation>
    </message>
    <message>
        <source>The new values by dotted path (optimizer.lr, optimizer.weight_decay, ...); the learning rate keeps the schedule&apos;s shape.</source>
        <translation>按点分路径给出的新取值（optimizer.lr、optimizer.weight_decay 等）；学习率保持学习率调度的形状。</translation>
    </message>
    <message>
        <source>Experiments, in the order they were created.</source>
        <translation>实验，按创建顺序排列。</translation>
    </message>
    <message>
        <source>SQLAlchemy URL of the trial history; empty = a local SQLite file in the data dir.</source>
        <translation>试验历史记录的 SQLAlchemy URL；留空 = 数据目录中的本地 SQLite 文件。</translation>
    </message>
    <message>
        <source>Free notes.</source>
        <translation>自由备注。</translation>
    </message>
    <message>
        <source>Trial checkpoints: what is kept, and how often.</source>
        <translation>试验检查点：保留什么，多久保存一次。</translation>
    </message>
    <message>
        <source>Keep each trial&apos;s best model as a checkpoint and resume an interrupted trial from its last checkpoint.</source>
        <translation>把每个试验的最佳模型保存为检查点，并从最后的检查点恢复被中断的试验。</translation>
    </message>
    <message>
        <source>Keep it on: the confusion matrix, the test split and model export use the stored checkpoint instead of training the trial again.</source>
        <translation>保持开启：混淆矩阵、测试集评估和模型导出都使用保存的检查点，而不必重新训练试验。</translation>
    </message>
    <message>
        <source>Checkpoints kept per experiment: those of the N best complete trials (by the objective); running and interrupted trials always keep theirs, pruned, diverged and failed ones none. 0 keeps none.</source>
        <translation>每个实验保留的检查点：目标值最好的 N 个已完成试验的检查点；正在运行和被中断的试验总是保留，被剪枝、发散和失败的试验不保留。0 表示都不保留。</translation>
    </message>
    <message>
        <source>Save a resume checkpoint every N epochs, at most every min_interval_s seconds. A trial stopped cleanly (Ctrl+C, Stop, closing the app) goes on from its last such epoch; a killed process loses at most the training since its last written checkpoint: N epochs, or min_interval_s seconds when that is longer.</source>
        <translation>每 N 个 epoch 保存一次用于恢复的检查点，但最多每 min_interval_s 秒一次。正常停止的试验（Ctrl+C、停止、关闭应用）从最后这样的 epoch 继续；被强制结束的进程最多损失自上次写入检查点以来的训练：N 个 epoch，或在更长时为 min_interval_s 秒。</translation>
    </message>
    <message>
        <source>Seconds between two resume checkpoint files at least: with epochs of milliseconds, writing one every epoch would cost more time than a crash could lose. Epochs longer than this are checkpointed every every_epochs epochs as set; 0 writes every every_epochs epochs however short.</source>
        <translation>两个恢复检查点文件之间至少间隔的秒数：epoch 只有几毫秒时，每个 epoch 写一次比崩溃可能损失的时间还多。比这更长的 epoch 按设定每 every_epochs 个 epoch 保存；0 表示无论多短都每 every_epochs 个 epoch 写一次。</translation>
    </message>
    <message>
        <source>Lower it only when a killed run must lose less than this many seconds of training; a clean stop (Ctrl+C, Stop) keeps its last whole epoch either way.</source>
        <translation>只有当被强制结束的运行必须损失少于这么多秒的训练时才调低它；正常停止（Ctrl+C、停止）无论如何都保留最后一个完整的 epoch。</translation>
    </message>
    <message>
        <source>Unique name of the experiment within the project.</source>
        <translation>实验在项目内唯一的名称。</translation>
    </message>
    <message>
        <source>What is being optimised (accuracy, compute, a new technique).</source>
        <translation>要优化的是什么（准确率、计算量、一种新技术）。</translation>
    </message>
    <message>
        <source>State the goal first.</source>
        <translation>先写下实验目标。</translation>
    </message>
    <message>
        <source>What you expect to happen and why, e.g. &apos;a wider network raises validation accuracy&apos;.</source>
        <translation>你预计会发生什么以及为什么，例如“更宽的网络提高验证准确率”。</translation>
    </message>
    <message>
        <source>The result you expect, written before running.</source>
        <translation>你期望的结果，在运行之前写下。</translation>
    </message>
    <message>
        <source>What happened and why, written after the run.</source>
        <translation>发生了什么以及为什么，在运行之后写下。</translation>
    </message>
    <message>
        <source>Reflect: which knob moved the result most? Did the result match the expectation, and why?</source>
        <translation>复盘：哪个超参数对结果影响最大？结果是否符合期望，为什么？</translation>
    </message>
    <message>
        <source>The search itself.</source>
        <translation>搜索本身。</translation>
    </message>
    <message>
        <source>The knobs this experiment varies.</source>
        <translation>这个实验改变的超参数。</translation>
    </message>
    <message>
        <source>How values are picked.</source>
        <translation>如何选取取值。</translation>
    </message>
    <message>
        <source>One-variable-at-a-time isolates each knob; grid is exhaustive and grows exponentially; random covers large spaces better for the same budget; Bayesian uses past results and is best when each trial is expensive.</source>
        <translation>单一变量变化（控制变量法）把每个超参数分开考察；网格搜索穷举所有组合，数量呈指数增长；相同预算下随机搜索更好地覆盖大空间；贝叶斯优化利用过去的结果，在每个试验代价高昂时最好。</translation>
    </message>
    <message>
        <source>When the search stops.</source>
        <translation>搜索何时停止。</translation>
    </message>
    <message>
        <source>Trials to run; empty = no limit (grid and one-variable-at-a-time stop when every value was tried).</source>
        <translation>要运行的试验数；留空 = 不限（网格搜索和单一变量变化在所有取值都试过后停止）。</translation>
    </message>
    <message>
        <source>Wall-clock limit of one run of the experiment, in seconds; empty = none.</source>
        <translation>实验一次运行的实际耗时上限，单位秒；留空 = 无。</translation>
    </message>
    <message>
        <source>Rules that stop the whole search early: a target, no improvement in N trials, a deadline, a cost in trial-hours.</source>
        <translation>提前停止整个搜索的规则：目标值、连续 N 个试验没有改善、截止时间、以试验小时计的代价。</translation>
    </message>
    <message>
        <source>Stop once the best objective reaches this value (at least it when maximised, at most it when minimised); empty = no target.</source>
        <translation>最佳目标值达到这个值时停止（最大化时不低于它，最小化时不高于它）；留空 = 没有目标值。</translation>
    </message>
    <message>
        <source>Stop after this many finished trials in a row that did not improve the best beyond the threshold (min_delta, and the noise when beyond_noise), counted over the experiment&apos;s whole history, earlier runs included: run again with the same patience after such a stop and it stops at once; raise it to go on. Empty = never.</source>
        <translation>连续这么多个已结束的试验都没有使最佳值的改善超过阈值（min_delta，beyond_noise 时还要超出噪声）后停止；按实验的全部历史计数，包括之前的运行：这样停止后以相同的耐心（patience）再次运行会立即停止，调大它才能继续。留空 = 从不。</translation>
    </message>
    <message>
        <source>The least gain over the best objective that counts as an improvement.</source>
        <translation>相对最佳目标值算作改善的最小增益。</translation>
    </message>
    <message>
        <source>An improvement must also exceed the spread between seeds (the pooled standard deviation of the trials run with several seeds); while no trial was repeated, only min_delta applies.</source>
        <translation>改善还必须超出随机种子之间的离散程度（用多个随机种子运行的试验的合并标准差）；还没有重复运行的试验时，只看 min_delta。</translation>
    </message>
    <message>
        <source>Stop starting trials at this local date and time, ISO 8601 (e.g. 2026-12-05T18:00); empty = none.</source>
        <translation>在这个本地日期和时间停止启动新试验，ISO 8601 格式（例如 2026-12-05T18:00）；留空 = 无。</translation>
    </message>
    <message>
        <source>Stop once this many seconds have passed since the experiment&apos;s first trial started, over all its runs; empty = none (budget.timeout_s limits one run).</source>
        <translation>从实验的第一个试验开始、跨所有运行累计经过这么多秒后停止；留空 = 无（budget.timeout_s 限制的是一次运行）。</translation>
    </message>
    <message>
        <source>Stop once the experiment&apos;s trials together trained this many hours (every run and worker: a cost budget); empty = no limit.</source>
        <translation>实验的所有试验合计训练了这么多小时后停止（所有运行和工作进程：一个代价预算）；留空 = 不限。</translation>
    </message>
    <message>
        <source>Early termination of poor trials.</source>
        <translation>提前终止表现差的试验。</translation>
    </message>
    <message>
        <source>Stops unpromising trials early, from their validation curves.</source>
        <translation>根据验证曲线提前停止没有希望的试验。</translation>
    </message>
    <message>
        <source>Trials that always run to the end before pruning starts.</source>
        <translation>剪枝开始之前总是运行到底的试验数。</translation>
    </message>
    <message>
        <source>Evaluations of a trial before it may be pruned (its last is never judged: a prune there saves no training).</source>
        <translation>试验可以被剪枝之前的评估次数（最后一次评估从不判定：在那里剪枝不会节省任何训练）。</translation>
    </message>
    <message>
        <source>What the search optimises.</source>
        <translation>搜索优化的目标。</translation>
    </message>
    <message>
        <source>Validation metric the search optimises; with a program baseline, the name of a metric it prints or reports (e.g. val_acc).</source>
        <translation>搜索优化的验证指标；基准模型是程序时，是它打印或报告的指标名称（例如 val_acc）。</translation>
    </message>
    <message>
        <source>&apos;auto&apos; maximises accuracy and R2, minimises losses and errors (a program&apos;s metric: maximised when its name ends in acc, accuracy, f1, auc, iou, score...).</source>
        <translation>auto 最大化准确率和 R2，最小化损失和误差（程序的指标：名称以 acc、accuracy、f1、auc、iou、score 等结尾时最大化）。</translation>
    </message>
    <message>
        <source>An optional second objective (training time, minimised): the search then finds a Pareto front instead of a single best trial.</source>
        <translation>可选的第二个目标（训练时间，最小化）：此时搜索找出帕累托前沿，而不是单个最佳试验。</translation>
    </message>
    <message>
        <source>Runs per trial with seeds seed, seed+1, ...; the objective is their mean.</source>
        <translation>每个试验用随机种子 seed、seed+1、... 运行的次数；目标值取它们的均值。</translation>
    </message>
    <message>
        <source>Seed of the sampler; empty = random.</source>
        <translation>采样器的随机种子；留空 = 随机。</translation>
    </message>
    <message>
        <source>Train several trials at once as one fused model: &apos;auto&apos; sizes the groups from a short device probe (at most fuse_trials), &apos;fixed&apos; uses fuse_trials, &apos;off&apos; trains one trial at a time.</source>
        <translation>把多个试验作为一个融合模型同时训练：auto 根据对设备的简短探测确定组的大小（最多 fuse_trials），fixed 使用 fuse_trials，off 一次训练一个试验。</translation>
    </message>
    <message>
        <source>Trials that differ only in numbers (learning rate, weight decay, schedule, seed, hidden widths) train together, each exactly as it would alone; many small trials then finish several times sooner.</source>
        <translation>只在数值上不同的试验（学习率、权重衰减、学习率调度、随机种子、隐藏层宽度）一起训练，每个都与单独训练时完全一样；许多小试验因此能快好几倍完成。</translation>
    </message>
    <message>
        <source>Most trials in one fused group.</source>
        <translation>一个融合组中最多的试验数。</translation>
    </message>
    <message>
        <source>Population-based training (strategy &apos;pbt&apos;): the population, how often it is perturbed, and how each dimension is explored.</source>
        <translation>基于种群的训练（策略 &apos;pbt&apos;）：种群、扰动的频率，以及每个维度如何探索。</translation>
    </message>
    <message>
        <source>A population trains at once; every interval the worst quarter copies the weights of the best and perturbs their hyperparameters, so one training&apos;s time finds a schedule of learning rate and regularisation.</source>
        <translation>整个种群同时训练；每隔一个间隔，最差的四分之一复制最好成员的权重并扰动其超参数，于是在一次训练的时间内找到学习率和正则化的调度。</translation>
    </message>
    <message>
        <source>Members trained at once (one fused model).</source>
        <translation>同时训练的成员数（一个融合模型）。</translation>
    </message>
    <message>
        <source>Perturbation interval: members are ranked, exploited and explored every this many epochs (or steps, see unit).</source>
        <translation>扰动间隔：每隔这么多个 epoch（或步，见单位）对成员排名、利用（exploit）和探索（explore）。</translation>
    </message>
    <message>
        <source>Unit of the interval.</source>
        <translation>间隔的单位。</translation>
    </message>
    <message>
        <source>Share of the population replaced at each perturbation: the worst this share copies members drawn from the best this share (truncation selection, 0.25 as in Jaderberg et al. 2017).</source>
        <translation>每次扰动替换的种群比例：最差的这一比例复制从最好的这一比例中抽取的成员（截断选择，Jaderberg 等 2017 中为 0.25）。</translation>
    </message>
    <message>
        <source>Explore: one of these factors, drawn at random, multiplies each dimension&apos;s value (clipped to its range).</source>
        <translation>探索：随机抽取其中一个因子乘以每个维度的值（裁剪到其范围内）。</translation>
    </message>
    <message>
        <source>Explore: probability that a dimension is drawn afresh from its range instead of multiplied.</source>
        <translation>探索：一个维度从其范围内重新抽取而不是相乘的概率。</translation>
    </message>
    <message>
        <source>Per-dimension overrides of factors and resample probability.</source>
        <translation>按维度覆盖因子和重新抽样概率。</translation>
    </message>
    <message>
        <source>Pruning of hopeless lineages: members that keep ranking in the replaced quantile stop training (off by default).</source>
        <translation>剪枝无望的谱系：一再排在被替换分位数中的成员停止训练（默认关闭）。</translation>
    </message>
    <message>
        <source>Prune hopeless lineages: a member that ranks in the replaced quantile at `patience` perturbations in a row, more than `margin` behind the best member, stops training instead of copying a better member (never below `min_population` members).</source>
        <translation>剪枝无望的谱系：连续 `patience` 次扰动都排在被替换分位数中、且落后最好成员超过 `margin` 的成员停止训练，而不再复制更好的成员（运行中的成员从不少于 `min_population` 个）。</translation>
    </message>
    <message>
        <source>Saves the training of members that keep losing: their rows leave the fused model. The best member is never pruned; the population then explores less, so keep it off for small populations.</source>
        <translation>省下一再落后的成员的训练：它们的行离开融合模型。最好的成员从不会被剪枝；但种群此后探索得更少，所以小种群请保持关闭。</translation>
    </message>
    <message>
        <source>Perturbations in a row, the current one included, at which a member must rank in the replaced quantile before it is pruned.</source>
        <translation>成员被剪枝前必须连续排在被替换分位数中的扰动次数（包括当前这次）。</translation>
    </message>
    <message>
        <source>How far a member&apos;s objective must lie behind the best member&apos;s to be pruned, in the objective&apos;s units (0.01: one point of accuracy); 0: any distance.</source>
        <translation>成员的目标值须落后最好成员多少才会被剪枝，以目标的单位计（0.01：一个百分点的准确率）；0：落后多少都算。</translation>
    </message>
    <message>
        <source>Members left running whatever the rule says; empty = half the population (rounded up).</source>
        <translation>无论规则如何都保留运行的成员数；留空 = 种群的一半（向上取整）。</translation>
    </message>
    <message>
        <source>The dimension (its dotted path) this rule explores.</source>
        <translation>此规则探索的维度（其点分路径）。</translation>
    </message>
    <message>
        <source>Factors one of which multiplies the value; empty = the population&apos;s.</source>
        <translation>乘以该值的因子（取其一）；留空 = 使用种群的设置。</translation>
    </message>
    <message>
        <source>Probability of drawing the value afresh from the dimension&apos;s range instead; empty = the population&apos;s.</source>
        <translation>改为从维度范围内重新抽取该值的概率；留空 = 使用种群的设置。</translation>
    </message>
    <message>
        <source>Dotted path of the knob in the run config.</source>
        <translation>该超参数在运行配置中的点分路径。</translation>
    </message>
    <message>
        <source>Applies only when another knob has given values (momentum only for SGD); empty = always. Where it does not apply, the trial keeps the baseline&apos;s value.</source>
        <translation>仅当另一个参数取给定值时适用（例如动量只用于 SGD）；留空 = 始终适用。不适用时，试验保留基线的值。</translation>
    </message>
    <message>
        <source>The knob that decides: an earlier dimension of this search, or a baseline field.</source>
        <translation>决定是否适用的参数：本搜索中靠前的一个维度，或基线中的一个字段。</translation>
    </message>
    <message>
        <source>The dimension applies when that knob has one of these values.</source>
        <translation>当该参数取其中某个值时，此维度适用。</translation>
    </message>
    <message>
        <source>Sample on a log scale (learning rates, weight decay, widths).</source>
        <translation>在对数刻度上采样（学习率、权重衰减、宽度）。</translation>
    </message>
    <message>
        <source>Values tried by grid and one-variable-at-a-time when &apos;values&apos; is empty.</source>
        <translation>values 为空时，网格搜索和单一变量变化尝试的取值个数。</translation>
    </message>
    <message>
        <source>Lowest value.</source>
        <translation>最小值。</translation>
    </message>
    <message>
        <source>Highest value.</source>
        <translation>最大值。</translation>
    </message>
    <message>
        <source>Discretisation step; empty = continuous.</source>
        <translation>离散化步长；留空 = 连续。</translation>
    </message>
    <message>
        <source>Explicit values for grid and one-variable-at-a-time (within low..high).</source>
        <translation>网格搜索和单一变量变化使用的明确取值（在 low..high 之内）。</translation>
    </message>
    <message>
        <source>Step between values.</source>
        <translation>取值之间的步长。</translation>
    </message>
    <message>
        <source>Values to choose from.</source>
        <translation>可供选择的取值。</translation>
    </message>
</context>
<context>
    <name>FieldHelp</name>
    <message>
        <source>{description}

Advice: {advice}</source>
        <translation>{description}

建议：{advice}</translation>
    </message>
</context>
<context>
    <name>FieldLabel</name>
    <message>
        <source>Schema version</source>
        <translation>格式版本</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Baseline</source>
        <translation>基准模型</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Builtin</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>Number of samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>Noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>NPZ</source>
        <translation>NPZ</translation>
    </message>
    <message>
        <source>Python</source>
        <translation>Python</translation>
    </message>
    <message>
        <source>Function</source>
        <translation>函数</translation>
    </message>
    <message>
        <source>Image folder</source>
        <translation>图像文件夹</translation>
    </message>
    <message>
        <source>Image size</source>
        <translation>图像尺寸</translation>
    </message>
    <message>
        <source>Channels</source>
        <translation>通道数</translation>
    </message>
    <message>
        <source>Loading</source>
        <translation>加载方式</translation>
    </message>
    <message>
        <source>Python dataset</source>
        <translation>Python 数据集</translation>
    </message>
    <message>
        <source>Number of classes</source>
        <translation>类别数</translation>
    </message>
    <message>
        <source>Validation fraction</source>
        <translation>验证集比例</translation>
    </message>
    <message>
        <source>Test fraction</source>
        <translation>测试集比例</translation>
    </message>
    <message>
        <source>Split seed</source>
        <translation>划分随机种子</translation>
    </message>
    <message>
        <source>Stratified</source>
        <translation>分层划分</translation>
    </message>
    <message>
        <source>Standardize</source>
        <translation>标准化</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Fraction</source>
        <translation>比例</translation>
    </message>
    <message>
        <source>Augment</source>
        <translation>数据增强</translation>
    </message>
    <message>
        <source>Crop padding</source>
        <translation>裁剪填充</translation>
    </message>
    <message>
        <source>Horizontal flip</source>
        <translation>水平翻转</translation>
    </message>
    <message>
        <source>Rotation</source>
        <translation>旋转</translation>
    </message>
    <message>
        <source>Translate</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>缩放</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>MLP</source>
        <translation>MLP</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Depth</source>
        <translation>深度</translation>
    </message>
    <message>
        <source>Hidden sizes</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>Dropout 率</translation>
    </message>
    <message>
        <source>Batch norm</source>
        <translation>批量归一化</translation>
    </message>
    <message>
        <source>Init</source>
        <translation>初始化</translation>
    </message>
    <message>
        <source>CNN</source>
        <translation>CNN</translation>
    </message>
    <message>
        <source>Kernel size</source>
        <translation>卷积核大小</translation>
    </message>
    <message>
        <source>Hidden</source>
        <translation>隐藏单元</translation>
    </message>
    <message>
        <source>Torchvision</source>
        <translation>Torchvision</translation>
    </message>
    <message>
        <source>Weights path</source>
        <translation>权重路径</translation>
    </message>
    <message>
        <source>Freeze</source>
        <translation>冻结</translation>
    </message>
    <message>
        <source>Trainable blocks</source>
        <translation>可训练块数</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>SGD</source>
        <translation>SGD</translation>
    </message>
    <message>
        <source>LR</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>L1</source>
        <translation>L1 正则化</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>Nesterov</source>
        <translation>Nesterov</translation>
    </message>
    <message>
        <source>Adam</source>
        <translation>Adam</translation>
    </message>
    <message>
        <source>Beta1</source>
        <translation>Beta1</translation>
    </message>
    <message>
        <source>Beta2</source>
        <translation>Beta2</translation>
    </message>
    <message>
        <source>Epsilon</source>
        <translation>Epsilon</translation>
    </message>
    <message>
        <source>AdamW</source>
        <translation>AdamW</translation>
    </message>
    <message>
        <source>RMSprop</source>
        <translation>RMSprop</translation>
    </message>
    <message>
        <source>Alpha</source>
        <translation>Alpha</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <source>Warmup epochs</source>
        <translation>预热周期</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>阶梯衰减</translation>
    </message>
    <message>
        <source>Step epochs</source>
        <translation>衰减间隔 epoch</translation>
    </message>
    <message>
        <source>Gamma</source>
        <translation>Gamma</translation>
    </message>
    <message>
        <source>Exponential</source>
        <translation>指数衰减</translation>
    </message>
    <message>
        <source>Cosine</source>
        <translation>余弦退火</translation>
    </message>
    <message>
        <source>Min LR fraction</source>
        <translation>最低学习率比例</translation>
    </message>
    <message>
        <source>Cosine restarts</source>
        <translation>带重启的余弦退火</translation>
    </message>
    <message>
        <source>Cycle epochs</source>
        <translation>周期 epoch 数</translation>
    </message>
    <message>
        <source>Cycle Multiplier</source>
        <translation>周期倍数</translation>
    </message>
    <message>
        <source>One cycle</source>
        <translation>One cycle</translation>
    </message>
    <message>
        <source>Fraction start</source>
        <translation>上升阶段比例</translation>
    </message>
    <message>
        <source>Division factor</source>
        <translation>起始除数</translation>
    </message>
    <message>
        <source>Final Division factor</source>
        <translation>最终除数</translation>
    </message>
    <message>
        <source>Plateau</source>
        <translation>平台期衰减</translation>
    </message>
    <message>
        <source>Monitor</source>
        <translation>监控指标</translation>
    </message>
    <message>
        <source>Factor</source>
        <translation>系数</translation>
    </message>
    <message>
        <source>Patience</source>
        <translation>耐心（patience）</translation>
    </message>
    <message>
        <source>Min delta</source>
        <translation>最小改善量</translation>
    </message>
    <message>
        <source>Floor fraction</source>
        <translation>下限比例</translation>
    </message>
    <message>
        <source>Stop at floor</source>
        <translation>到下限时停止</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>Epoch 数</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失函数</translation>
    </message>
    <message>
        <source>Label smoothing</source>
        <translation>标签平滑</translation>
    </message>
    <message>
        <source>Grad clip norm</source>
        <translation>梯度裁剪范数</translation>
    </message>
    <message>
        <source>Mixed precision</source>
        <translation>混合精度</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Deterministic</source>
        <translation>确定性</translation>
    </message>
    <message>
        <source>Num workers</source>
        <translation>工作进程数</translation>
    </message>
    <message>
        <source>Early stopping</source>
        <translation>早停</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>每隔</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>K-fold</source>
        <translation>k 折</translation>
    </message>
    <message>
        <source>Hyper schedule</source>
        <translation>超参数调度</translation>
    </message>
    <message>
        <source>Program</source>
        <translation>程序</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>Working folder</source>
        <translation>工作文件夹</translation>
    </message>
    <message>
        <source>JSON flag</source>
        <translation>JSON 参数</translation>
    </message>
    <message>
        <source>Env</source>
        <translation>环境变量</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Pass values</source>
        <translation>传值方式</translation>
    </message>
    <message>
        <source>Flag style</source>
        <translation>参数风格</translation>
    </message>
    <message>
        <source>Bool flags</source>
        <translation>布尔参数</translation>
    </message>
    <message>
        <source>Env prefix</source>
        <translation>环境变量前缀</translation>
    </message>
    <message>
        <source>Metric pattern</source>
        <translation>指标模式</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>超时（s）</translation>
    </message>
    <message>
        <source>Grace (s)</source>
        <translation>宽限（s）</translation>
    </message>
    <message>
        <source>Seed parameter</source>
        <translation>随机种子参数</translation>
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
        <translation>命令行参数</translation>
    </message>
    <message>
        <source>Params</source>
        <translation>参数值</translation>
    </message>
    <message>
        <source>Experiments</source>
        <translation>实验</translation>
    </message>
    <message>
        <source>Storage URL</source>
        <translation>存储 URL</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Checkpoints</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Keep best</source>
        <translation>保留最佳</translation>
    </message>
    <message>
        <source>Every epochs</source>
        <translation>每隔 epoch 数</translation>
    </message>
    <message>
        <source>Min interval (s)</source>
        <translation>最小间隔（s）</translation>
    </message>
    <message>
        <source>Goal</source>
        <translation>实验目标</translation>
    </message>
    <message>
        <source>Hypothesis</source>
        <translation>假设</translation>
    </message>
    <message>
        <source>Expected result</source>
        <translation>期望结果</translation>
    </message>
    <message>
        <source>Conclusion</source>
        <translation>复盘</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Dimensions</source>
        <translation>维度</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>搜索策略</translation>
    </message>
    <message>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <source>Trials</source>
        <translation>试验数</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止规则</translation>
    </message>
    <message>
        <source>Beyond noise</source>
        <translation>超出噪声</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>截止时间</translation>
    </message>
    <message>
        <source>Duration (s)</source>
        <translation>持续时间（s）</translation>
    </message>
    <message>
        <source>Trial hours</source>
        <translation>试验小时数</translation>
    </message>
    <message>
        <source>Pruner</source>
        <translation>剪枝器</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Startup trials</source>
        <translation>启动试验数</translation>
    </message>
    <message>
        <source>Warmup evaluations</source>
        <translation>预热评估次数</translation>
    </message>
    <message>
        <source>Objective</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Second</source>
        <translation>第二目标</translation>
    </message>
    <message>
        <source>Repeats</source>
        <translation>重复次数</translation>
    </message>
    <message>
        <source>Sampler seed</source>
        <translation>采样器随机种子</translation>
    </message>
    <message>
        <source>Fuse</source>
        <translation>融合</translation>
    </message>
    <message>
        <source>Fuse trials</source>
        <translation>融合试验数</translation>
    </message>
    <message>
        <source>PBT</source>
        <translation>基于种群的训练 (PBT)</translation>
    </message>
    <message>
        <source>Population</source>
        <translation>种群</translation>
    </message>
    <message>
        <source>Interval</source>
        <translation>间隔</translation>
    </message>
    <message>
        <source>Quantile</source>
        <translation>分位数</translation>
    </message>
    <message>
        <source>Factors</source>
        <translation>因子</translation>
    </message>
    <message>
        <source>Resample probability</source>
        <translation>重新抽样概率</translation>
    </message>
    <message>
        <source>Explore</source>
        <translation>探索</translation>
    </message>
    <message>
        <source>Prune</source>
        <translation>剪枝</translation>
    </message>
    <message>
        <source>Margin</source>
        <translation>差距（margin）</translation>
    </message>
    <message>
        <source>Min population</source>
        <translation>最小种群</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>条件</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Grid points</source>
        <translation>网格点数</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>下限</translation>
    </message>
    <message>
        <source>High</source>
        <translation>上限</translation>
    </message>
    <message>
        <source>Values</source>
        <translation>取值</translation>
    </message>
    <message>
        <source>Data source</source>
        <translation>数据来源</translation>
    </message>
    <message>
        <source>Data augment</source>
        <translation>数据增强</translation>
    </message>
    <message>
        <source>Digits</source>
        <translation>Digits（手写数字）</translation>
    </message>
    <message>
        <source>Regression</source>
        <translation>回归</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Script</source>
        <translation>脚本</translation>
    </message>
</context>
<context>
    <name>FuseChoice</name>
    <message>
        <source>fuse auto: fused groups of up to {size} trials (the device&apos;s cost model expects {ratio:.2f}x the training time of one trial at a time, pruning included)</source>
        <translation>自动融合：每组最多融合 {size} 个试验（设备的成本模型预计训练时间为逐个训练的 {ratio:.2f} 倍，已计入剪枝）</translation>
    </message>
    <message>
        <source>fuse auto: fused groups of up to {size} trials (the device&apos;s cost model expects at most {ratio:.2f}x the training time of one trial at a time, pruning included: a trial&apos;s steps alone were timed on the fused pass, which one at a time does not beat)</source>
        <translation>自动融合：每组最多融合 {size} 个试验（设备的成本模型预计训练时间至多为逐个训练的 {ratio:.2f} 倍，已计入剪枝：单个试验的步是在融合计算路径上计时的，逐个训练不会比它更快）</translation>
    </message>
    <message>
        <source>fuse auto: one trial at a time (fused groups of {k} would take an estimated {ratio:.2f}x its training time, pruning included: they pay only under {margin:.2f}x)</source>
        <translation>自动融合：逐个训练试验（融合 {k} 个一组预计需要其训练时间的 {ratio:.2f} 倍，已计入剪枝；低于 {margin:.2f} 倍才划算）</translation>
    </message>
    <message>
        <source>fuse auto: one trial at a time (timing fused groups on this device, about {probe:.1f} s, would cost more than {share:.0%} of the most fusing could save: the fixed part of the run&apos;s steps, about {save:.1f} s of its {run:.0f} s of training one at a time)</source>
        <translation>自动融合：逐个训练试验（在此设备上测量融合组耗时约 {probe:.1f} 秒，超过融合最多能省下时间的 {share:.0%}：本次运行各步的固定开销约 {save:.1f} 秒，逐个训练共约 {run:.0f} 秒）</translation>
    </message>
    <message>
        <source>fuse auto: one trial at a time on the fused MLP pass, no slower than the lone loop here (fused groups of {k} would take an estimated {ratio:.2f}x its training time, pruning included: they pay only under {margin:.2f}x)</source>
        <translation>自动融合：在 MLP 融合计算路径上逐个训练试验，在此设备上不慢于单独训练循环（融合 {k} 个一组预计需要其训练时间的 {ratio:.2f} 倍，已计入剪枝；低于 {margin:.2f} 倍才划算）</translation>
    </message>
    <message>
        <source>fuse auto: one trial at a time on the fused MLP pass, no slower than the lone loop here (timing fused groups on this device, about {probe:.1f} s, would cost more than {share:.0%} of the most fusing could save: the fixed part of the run&apos;s steps, about {save:.1f} s of its {run:.0f} s of training one at a time)</source>
        <translation>自动融合：在 MLP 融合计算路径上逐个训练试验，在此设备上不慢于单独训练循环（在此设备上测量融合组耗时约 {probe:.1f} 秒，超过融合最多能省下时间的 {share:.0%}：本次运行各步的固定开销约 {save:.1f} 秒，逐个训练共约 {run:.0f} 秒）</translation>
    </message>
    <message>
        <source>fuse auto: one trial at a time (the device probe found no gain in training trials fused)</source>
        <translation>自动融合：逐个训练试验（设备探测发现融合训练试验没有收益）</translation>
    </message>
    <message>
        <source>fuse auto: groups of up to {k} trials (the device probe&apos;s; its cost model could not be fitted: {error})</source>
        <translation>自动融合：每组最多 {k} 个试验（按设备探测的结果；无法拟合其成本模型：{error}）</translation>
    </message>
</context>
<context>
    <name>HistoryPlot</name>
    <message>
        <source>trial number</source>
        <translation>试验编号</translation>
    </message>
    <message>
        <source>objective</source>
        <translation>目标值</translation>
    </message>
    <message>
        <source>best so far</source>
        <translation>目前最佳</translation>
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
        <source>PED-ANOVA (fast)</source>
        <translation>PED-ANOVA（快）</translation>
    </message>
    <message>
        <source>Mean decrease impurity</source>
        <translation>平均不纯度减少（MDI）</translation>
    </message>
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
        <source>Parameter importance appears here once computed (it needs at least two complete trials).</source>
        <translation>计算后超参数重要性会显示在这里（至少需要两个已完成的试验）。</translation>
    </message>
    <message>
        <source>Parameter importance ({currentText})</source>
        <translation>超参数重要性（{currentText}）</translation>
    </message>
    <message>
        <source>{name} matters most ({share}); computed in {seconds} s</source>
        <translation>{name} 影响最大（{share}）；计算用时 {seconds} 秒</translation>
    </message>
    <message>
        <source>No importance: too few trials.</source>
        <translation>没有重要性结果：试验太少。</translation>
    </message>
    <message>
        <source>Conditional search: the branch ({knobs}) is ranked as a factor among the knobs every trial has; {conditional} only within each branch:</source>
        <translation>条件搜索：分支（{knobs}）作为一个因素，与每个试验都有的超参数一起排序；{conditional} 只在各自的分支内排序：</translation>
    </message>
    <message numerus="yes">
        <source>{knob} = {value} (%n trial(s)): {shares}</source>
        <translation>
            <numerusform>{knob} = {value}（%n 个试验）：{shares}</numerusform>
        </translation>
    </message>
    <message>
        <source>too few trials to rank</source>
        <translation>试验太少，无法排序</translation>
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
    <name>ListEditor</name>
    <message>
        <source>comma-separated; empty = none</source>
        <translation>以逗号分隔；留空 = 无</translation>
    </message>
    <message>
        <source>comma-separated</source>
        <translation>以逗号分隔</translation>
    </message>
    <message>
        <source>a JSON list of objects, e.g. {example}</source>
        <translation>JSON 对象列表，例如 {example}</translation>
    </message>
</context>
<context>
    <name>LiveView</name>
    <message>
        <source>No trials to plot yet — run the experiment (Run, F5) to watch its trials train, or select trials in the Trials tab to compare their curves.</source>
        <translation>还没有可绘制的试验 — 运行实验（运行，F5）来观察试验的训练，或在“试验”标签页中选择试验来比较它们的曲线。</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>按 step</translation>
    </message>
    <message>
        <source>Epoch</source>
        <translation>按 epoch</translation>
    </message>
    <message>
        <source>Wall-clock</source>
        <translation>按实际耗时</translation>
    </message>
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
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <source>The trials&apos; names above the plots; a click on a name selects its trial</source>
        <translation>在曲线图上方列出各试验的名称；点击名称即选中该试验</translation>
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
        <source> (running)</source>
        <translation>（运行中）</translation>
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
        <source>The Tuning &amp;Practice</source>
        <translation>调参实践(&amp;P)</translation>
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
        <source> Workers </source>
        <translation> 工作进程 </translation>
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
    <message>
        <source>n/a</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>best: trial #{number}</source>
        <translation>最佳：试验 #{number}</translation>
    </message>
</context>
<context>
    <name>ParetoPlot</name>
    <message>
        <source>training time (s)</source>
        <translation>训练时间（s）</translation>
    </message>
    <message>
        <source>trials</source>
        <translation>试验</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>帕累托前沿</translation>
    </message>
    <message>
        <source>on the Pareto front</source>
        <translation>在帕累托前沿上</translation>
    </message>
    <message>
        <source>dominated</source>
        <translation>被支配</translation>
    </message>
    <message>
        <source>trial #{number} ({where})
{metric} {value}
training time {seconds} s</source>
        <translation>试验 #{number}（{where}）
{metric} {value}
训练时间 {seconds} 秒</translation>
    </message>
    <message>
        <source>second objective</source>
        <translation>第二个目标</translation>
    </message>
    <message>
        <source>duration of each trial</source>
        <translation>每个试验的用时</translation>
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
    <name>PlotExport</name>
    <message>
        <source>PNG image (*.png);;SVG drawing (*.svg)</source>
        <translation>PNG 图像 (*.png);;SVG 矢量图 (*.svg)</translation>
    </message>
    <message>
        <source>CSV of the series (*.csv)</source>
        <translation>各曲线数据的 CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
</context>
<context>
    <name>PlotPanel</name>
    <message>
        <source>step</source>
        <translation>step</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>wall-clock (s)</source>
        <translation>实际耗时（s）</translation>
    </message>
    <message>
        <source>Training loss per {x}</source>
        <translation>训练损失（每 {x}）</translation>
    </message>
    <message>
        <source>Validation loss per evaluation (dashed: training loss)</source>
        <translation>每次评估的验证损失（虚线：训练损失）</translation>
    </message>
    <message>
        <source>Validation metric</source>
        <translation>验证指标</translation>
    </message>
    <message>
        <source>Learning rate (dashed: planned)</source>
        <translation>学习率（虚线：计划值）</translation>
    </message>
    <message>
        <source>Gradient norm (log scale)</source>
        <translation>梯度范数（对数刻度）</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>L2 norm</source>
        <translation>L2 范数</translation>
    </message>
    <message>
        <source>step, by epoch</source>
        <translation>step，按 epoch</translation>
    </message>
    <message>
        <source>step, by wall-clock time</source>
        <translation>step，按实际耗时</translation>
    </message>
</context>
<context>
    <name>PracticeDialog</name>
    <message>
        <source>The Tuning Practice</source>
        <translation>调参实践</translation>
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
        <source> TUNESTUDIO_DATA_DIR is set and takes precedence.</source>
        <translation> 已设置 TUNESTUDIO_DATA_DIR，它优先。</translation>
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
    <name>Preflight</name>
    <message>
        <source>&apos;{experiment}&apos; was not started: every trial would fail.</source>
        <translation>“{experiment}”未启动：每个试验都会失败。</translation>
    </message>
    <message>
        <source>data folder &apos;{path}&apos; not found{hint}; check data.source.path</source>
        <translation>找不到数据文件夹“{path}”{hint}；请检查 data.source.path</translation>
    </message>
    <message>
        <source>data file &apos;{path}&apos; not found{hint}; check data.source.path</source>
        <translation>找不到数据文件“{path}”{hint}；请检查 data.source.path</translation>
    </message>
    <message>
        <source>model file &apos;{path}&apos; not found{hint}; check model.path</source>
        <translation>找不到模型文件“{path}”{hint}；请检查 model.path</translation>
    </message>
    <message>
        <source>weights file &apos;{path}&apos; not found{hint}; check model.weights_path</source>
        <translation>找不到权重文件“{path}”{hint}；请检查 model.weights_path</translation>
    </message>
    <message>
        <source>the data cannot be read: {error}</source>
        <translation>无法读取数据：{error}</translation>
    </message>
    <message>
        <source>the model file cannot be used: {error}</source>
        <translation>无法使用模型文件：{error}</translation>
    </message>
    <message>
        <source> (relative paths start at {folder})</source>
        <translation>（相对路径从 {folder} 开始）</translation>
    </message>
    <message>
        <source>stopped: the first {limit} trials failed with the same error: {error}</source>
        <translation>已停止：前 {limit} 个试验都因同一错误失败：{error}</translation>
    </message>
</context>
<context>
    <name>ProgramEditor</name>
    <message>
        <source>Flags (--lr 0.003)</source>
        <translation>命令行参数（--lr 0.003）</translation>
    </message>
    <message>
        <source>Environment (LR=0.003)</source>
        <translation>环境变量（LR=0.003）</translation>
    </message>
    <message>
        <source>JSON file (--config FILE)</source>
        <translation>JSON 文件（--config FILE）</translation>
    </message>
    <message>
        <source>Switch (--amp)</source>
        <translation>开关（--amp）</translation>
    </message>
    <message>
        <source>With a value (--amp true)</source>
        <translation>带值（--amp true）</translation>
    </message>
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
    <name>ProjectFile</name>
    <message>
        <source>missing or not an integer; this is not a TuneStudio project file</source>
        <translation>缺失或不是整数；这不是 TuneStudio 项目文件</translation>
    </message>
    <message>
        <source>{version} was written by a newer TuneStudio (this one reads up to {known}); update TuneStudio</source>
        <translation>{version} 由更新版本的 TuneStudio 写入（本版本最多读取到 {known}）；请更新 TuneStudio</translation>
    </message>
    <message>
        <source>{version} is not a known version</source>
        <translation>{version} 不是已知的版本</translation>
    </message>
    <message>
        <source>not UTF-8 text (byte {byte}); is this a project file?</source>
        <translation>不是 UTF-8 文本（第 {byte} 个字节）；这是项目文件吗？</translation>
    </message>
    <message>
        <source>the file is empty</source>
        <translation>文件是空的</translation>
    </message>
    <message>
        <source>line {line}, column {column}</source>
        <translation>第 {line} 行，第 {column} 列</translation>
    </message>
    <message>
        <source>invalid JSON: {error}</source>
        <translation>无效的 JSON：{error}</translation>
    </message>
    <message>
        <source>no such file</source>
        <translation>没有这个文件</translation>
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
    <name>QAbstractFileIconProvider</name>
    <message>
        <source>Drive</source>
        <translation>驱动器</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Alias</source>
        <translation>别名</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>快捷方式</translation>
    </message>
    <message>
        <source>%1 File</source>
        <translation>%1 文件</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>RecentMenu</name>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
</context>
<context>
    <name>Report</name>
    <message>
        <source>Experiment report</source>
        <translation>实验报告</translation>
    </message>
</context>
<context>
    <name>RunActions</name>
    <message>
        <source>Run the selected experiment (F5)</source>
        <translation>运行所选实验（F5）</translation>
    </message>
    <message>
        <source>Fix the fields marked in red to run</source>
        <translation>修正标红的字段才能运行</translation>
    </message>
    <message>
        <source>Add an experiment to run</source>
        <translation>添加一个实验才能运行</translation>
    </message>
    <message>
        <source>Add a dimension to the experiment to run</source>
        <translation>为实验添加一个维度才能运行</translation>
    </message>
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
        <source>A search is running</source>
        <translation>搜索正在运行</translation>
    </message>
    <message>
        <source>Open a project to run</source>
        <translation>打开一个项目才能运行</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>继续(&amp;R)</translation>
    </message>
    <message>
        <source>Resume the run (F6)</source>
        <translation>继续运行（F6）</translation>
    </message>
    <message>
        <source>Nothing ran: save the project to train {n} trials at once (File › Save). The other trials train in worker processes that read the saved file; or set Workers to 1.</source>
        <translation>未运行任何内容：要同时训练 {n} 个试验，请先保存项目（文件 › 保存）。其余试验在读取已保存文件的工作进程中训练；或者把工作进程设为 1。</translation>
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
    <name>RunHeader</name>
    <message>
        <source>, objective {value}</source>
        <translation>，目标值 {value}</translation>
    </message>
    <message>
        <source>Trial #{number} running</source>
        <translation>试验 #{number} 正在运行</translation>
    </message>
    <message>
        <source>Trial {ended}</source>
        <translation>试验 {ended}</translation>
    </message>
    <message>
        <source>Trials {numbers} ended: {states}</source>
        <translation>试验 {numbers} 已结束：{states}</translation>
    </message>
    <message>
        <source>Trials {numbers} training</source>
        <translation>试验 {numbers} 正在训练</translation>
    </message>
    <message>
        <source>; {more} more ended</source>
        <translation>；另有 {more} 个已结束</translation>
    </message>
</context>
<context>
    <name>RunProgress</name>
    <message>
        <source>{complete}/{done} complete</source>
        <translation>{complete}/{done} 已完成</translation>
    </message>
    <message>
        <source>{summary_counts} in {clock}</source>
        <translation>{summary_counts}，用时 {clock}</translation>
    </message>
    <message>
        <source> · stopped by rule: {rule}</source>
        <translation> · 已按规则停止：{rule}</translation>
    </message>
    <message>
        <source>{done} done</source>
        <translation>已结束 {done} 个</translation>
    </message>
    <message>
        <source>trial #{number}</source>
        <translation>试验 #{number}</translation>
    </message>
    <message>
        <source>trials {numbers}</source>
        <translation>试验 {numbers}</translation>
    </message>
    <message>
        <source>trial {index}{of}</source>
        <translation>试验 {index}{of}</translation>
    </message>
    <message>
        <source>paused · </source>
        <translation>已暂停 · </translation>
    </message>
    <message>
        <source>stopping · </source>
        <translation>正在停止 · </translation>
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
    <name>RunStatus</name>
    <message>
        <source>baseline</source>
        <translation>基准模型</translation>
    </message>
    <message>
        <source> and {count} more of its group</source>
        <translation> 及其组内另外 {count} 个试验</translation>
    </message>
    <message>
        <source>Trial {number}{more} running on {device} ({params})</source>
        <translation>试验 {number}{more} 正在 {device} 上运行（{params}）</translation>
    </message>
    <message>
        <source> · epoch {epoch}</source>
        <translation> · epoch {epoch}</translation>
    </message>
    <message>
        <source>no trials</source>
        <translation>没有试验</translation>
    </message>
    <message>
        <source>stopped: {counts}</source>
        <translation>已停止：{counts}</translation>
    </message>
    <message>
        <source>finished: {counts}</source>
        <translation>已完成：{counts}</translation>
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
        <source>, objective {value}</source>
        <translation>，目标值 {value}</translation>
    </message>
    <message>
        <source>; {numbers} still training</source>
        <translation>；{numbers} 仍在训练</translation>
    </message>
    <message>
        <source>Trial {number} {state}{objective}{training}</source>
        <translation>试验 {number} {state}{objective}{training}</translation>
    </message>
    <message>
        <source>; best objective {value}</source>
        <translation>；最佳目标值 {value}</translation>
    </message>
</context>
<context>
    <name>StopRules</name>
    <message>
        <source>none yet</source>
        <translation>尚无</translation>
    </message>
    <message>
        <source>best {best} of target {target}</source>
        <translation>最佳 {best}，目标 {target}</translation>
    </message>
    <message>
        <source>target reached: best {best} {sign} {target}</source>
        <translation>已达到目标：最佳 {best} {sign} {target}</translation>
    </message>
    <message>
        <source>improvement beyond {threshold} (noise)</source>
        <translation>超过 {threshold}（噪声）的改善</translation>
    </message>
    <message>
        <source>improvement beyond {threshold}</source>
        <translation>超过 {threshold} 的改善</translation>
    </message>
    <message>
        <source>improvement</source>
        <translation>改善</translation>
    </message>
    <message>
        <source>{since} trials without {what} of {patience}</source>
        <translation>{since} 个试验没有{what}（耐心 {patience}）</translation>
    </message>
    <message>
        <source>no {what} in {since} trials (patience {patience})</source>
        <translation>{since} 个试验没有{what}（耐心 {patience}）</translation>
    </message>
    <message>
        <source>deadline {at} passed</source>
        <translation>已过截止时间 {at}</translation>
    </message>
    <message>
        <source>deadline {at} ({span} left)</source>
        <translation>截止时间 {at}（剩余 {span}）</translation>
    </message>
    <message>
        <source>{elapsed} of {duration}</source>
        <translation>已用 {elapsed}，共 {duration}</translation>
    </message>
    <message>
        <source>duration {duration} spent</source>
        <translation>持续时间 {duration} 已用完</translation>
    </message>
    <message>
        <source>{hours} of {budget} trial-hours</source>
        <translation>已用 {hours} 试验小时，共 {budget}</translation>
    </message>
    <message>
        <source>cost budget spent: {hours} of {budget} trial-hours</source>
        <translation>成本预算已用完：已用 {hours} 试验小时，共 {budget}</translation>
    </message>
    <message>
        <source>{value} s</source>
        <translation>{value} 秒</translation>
    </message>
    <message>
        <source>{value} min</source>
        <translation>{value} 分钟</translation>
    </message>
    <message>
        <source>{value} h</source>
        <translation>{value} 小时</translation>
    </message>
</context>
<context>
    <name>Strategy</name>
    <message>
        <source>One variable at a time around the baseline</source>
        <translation>围绕基准模型的单一变量变化</translation>
    </message>
    <message>
        <source>Grid (every combination)</source>
        <translation>网格搜索（所有组合）</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机搜索</translation>
    </message>
    <message>
        <source>Bayesian: TPE</source>
        <translation>贝叶斯优化：TPE</translation>
    </message>
    <message>
        <source>Bayesian: Gaussian process</source>
        <translation>贝叶斯优化：高斯过程</translation>
    </message>
    <message>
        <source>Quasi-Monte Carlo (Sobol)</source>
        <translation>拟蒙特卡洛（Sobol）</translation>
    </message>
    <message>
        <source>Population-based training</source>
        <translation>基于种群的训练</translation>
    </message>
</context>
<context>
    <name>Template</name>
    <message>
        <source>scikit-learn&apos;s 8x8 digits with an MLP: ~97% validation accuracy in a few seconds.</source>
        <translation>scikit-learn 的 8x8 手写数字，用 MLP：几秒钟内达到约 97% 的验证准确率。</translation>
    </message>
    <message>
        <source>Highest validation accuracy on digits.</source>
        <translation>在 digits 上取得最高的验证准确率。</translation>
    </message>
    <message>
        <source>LR and weight decay matter most; width and batch size matter less.</source>
        <translation>学习率和权重衰减影响最大；宽度和批大小影响较小。</translation>
    </message>
    <message>
        <source>Above 98% validation accuracy; LR the most important parameter.</source>
        <translation>验证准确率超过 98%；学习率是最重要的超参数。</translation>
    </message>
    <message>
        <source>See how each knob alone moves validation accuracy around the baseline.</source>
        <translation>观察每个超参数单独改变时，验证准确率在基准模型附近如何变化。</translation>
    </message>
    <message>
        <source>The LR moves the result most.</source>
        <translation>学习率对结果影响最大。</translation>
    </message>
    <message>
        <source>Friedman #1, a generated non-linear regression set, with an MLP scored by R2.</source>
        <translation>Friedman #1，一个生成的非线性回归数据集，用 MLP，以 R2 评分。</translation>
    </message>
    <message>
        <source>Highest validation R2.</source>
        <translation>取得最高的验证 R2。</translation>
    </message>
    <message>
        <source>A wider network fits the interaction terms better.</source>
        <translation>更宽的网络能更好地拟合交互项。</translation>
    </message>
    <message>
        <source>An image folder of 1,000 digit PNGs (28x28, grey, 10 classes; built from scikit-learn&apos;s digits on first use, no download) with a small CNN and augmentation: about 98% validation accuracy in under 10 seconds on one CPU thread.</source>
        <translation>一个含 1,000 张数字 PNG 的图像文件夹（28x28，灰度，10 个类别；首次使用时由 scikit-learn 的 digits 生成，无需下载），用小型 CNN 和数据增强：单个 CPU 线程上不到 10 秒达到约 98% 的验证准确率。</translation>
    </message>
    <message>
        <source>Highest validation accuracy on the digit images.</source>
        <translation>在数字图像上取得最高的验证准确率。</translation>
    </message>
    <message>
        <source>Mild augmentation (small shifts and rotations) helps on 800 training images; strong augmentation makes the task harder than it is.</source>
        <translation>温和的数据增强（小幅平移和旋转）对 800 张训练图像有帮助；过强的数据增强会让任务比实际更难。</translation>
    </message>
    <message>
        <source>Best trials with crop padding 1-3 and rotation under 15 degrees.</source>
        <translation>最佳试验的裁剪填充为 1-3，旋转小于 15 度。</translation>
    </message>
    <message>
        <source>Your own training code: a plain PyTorch script (a 1-D convolutional network that tells noisy waves apart by frequency, a few seconds per trial on a CPU), tuned unchanged through its command-line flags and the `key=value` pairs it prints. The script and a second one with TuneStudio&apos;s three calls are written beside the project (TEMPLATE_FILES).</source>
        <translation>你自己的训练代码：一个普通的 PyTorch 脚本（一个按频率区分带噪声波形的一维卷积网络，在 CPU 上每个试验几秒钟），不加修改，通过它的命令行参数和它打印的 `key=value` 对来调优。该脚本以及另一个加入了 TuneStudio 三个调用的脚本会写在项目旁边（TEMPLATE_FILES）。</translation>
    </message>
    <message>
        <source>Highest validation accuracy of the wave classifier.</source>
        <translation>波形分类器取得最高的验证准确率。</translation>
    </message>
    <message>
        <source>The learning rate matters most; too few channels underfit.</source>
        <translation>学习率影响最大；通道太少会欠拟合。</translation>
    </message>
    <message>
        <source>Above 95% validation accuracy with an LR near 0.003-0.01.</source>
        <translation>学习率在 0.003-0.01 附近时验证准确率超过 95%。</translation>
    </message>
</context>
<context>
    <name>TemplateMenu</name>
    <message>
        <source>&amp;New from Template</source>
        <translation>从模板新建(&amp;N)</translation>
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
        <source>Ensemble of the best…</source>
        <translation>最佳试验的模型集成…</translation>
    </message>
    <message>
        <source>Average the predictions of the best trials&apos; stored models and compare the ensemble with each</source>
        <translation>对最佳试验保存的模型的预测取平均，并把模型集成与每个模型比较</translation>
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
        <source>The test split is the final check: use it once, for the final model, never to choose between trials (that would make it one more validation set and its score optimistic).

This evaluates trial #{number}&apos;s stored model (its best checkpoint) on the test split. The result is stored with the trial and cannot be redone. Go on?</source>
        <translation>测试集是最后的检验：只用一次，用于最终模型，绝不要用它在试验之间做选择（那会让它变成又一个验证集，分数也会偏乐观）。

这会在测试集上评估试验 #{number} 保存的模型（它的最佳检查点）。结果与试验一起保存，且不能重做。继续吗？</translation>
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
        <source>Export model</source>
        <translation>导出模型</translation>
    </message>
    <message>
        <source>State dict (*.pt);;TorchScript (*.ts);;ONNX (*.onnx)</source>
        <translation>状态字典 state dict (*.pt);;TorchScript (*.ts);;ONNX (*.onnx)</translation>
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
    <message>
        <source>Export trials</source>
        <translation>导出试验</translation>
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
        <source>Select a trial in the table above.</source>
        <translation>在上方表格中选择一个试验。</translation>
    </message>
    <message>
        <source>Not computed for this trial yet: “Compute confusion matrix” above draws it from the trial&apos;s stored best model.</source>
        <translation>还没有为这个试验计算：上方的“计算混淆矩阵”会用试验保存的最佳模型画出它。</translation>
    </message>
    <message>
        <source>Not run for this trial yet: “Run k-fold cross-validation” above trains its config once per fold.</source>
        <translation>还没有为这个试验运行：上方的“运行 k 折交叉验证”会对每一折训练一次它的配置。</translation>
    </message>
    <message>
        <source>Not run for this trial yet: “Run LR range test” above sweeps the learning rate on its config.</source>
        <translation>还没有为这个试验运行：上方的“运行学习率查找”会在它的配置上扫描学习率。</translation>
    </message>
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
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>Trial</source>
        <translation>试验</translation>
    </message>
    <message>
        <source>Copied from</source>
        <translation>复制自</translation>
    </message>
    <message>
        <source>Values before</source>
        <translation>之前的取值</translation>
    </message>
    <message>
        <source>Values after</source>
        <translation>之后的取值</translation>
    </message>
    <message>
        <source>Lineage</source>
        <translation>谱系</translation>
    </message>
    <message>
        <source>Trial #{number}: {what}…</source>
        <translation>试验 #{number}：{what}…</translation>
    </message>
    <message>
        <source>Ran in a different environment than trial #{number}: {lines}.</source>
        <translation>与试验 #{number} 运行在不同的环境中：{lines}。</translation>
    </message>
    <message>
        <source>Same environment as trial(s) {numbers} (compared).</source>
        <translation>与试验 {numbers} 的环境相同（已比较）。</translation>
    </message>
    <message>
        <source>Select other trials to compare (Compare): their environments are checked against this one.</source>
        <translation>选择其他试验进行比较（比较）：会把它们的环境与这个试验的环境进行核对。</translation>
    </message>
    <message>
        <source>This trial&apos;s hyperparameters did not change while it trained: only population-based training (strategy PBT) changes them, copying the weights of the best members into the worst and exploring their values.</source>
        <translation>这个试验的超参数在训练中没有改变：只有基于种群的训练（策略 PBT）会改变它们——把最好成员的权重复制给最差的成员，并探索其取值。</translation>
    </message>
    <message>
        <source>from step {step}: {values}</source>
        <translation>从第 {step} 步起：{values}</translation>
    </message>
    <message>
        <source> (copied from #{number})</source>
        <translation>（复制自 #{number}）</translation>
    </message>
    <message>
        <source>Population of {members} members, {exploits} exploits; the best is #{best}.</source>
        <translation>种群共 {members} 个成员，{exploits} 次利用（exploit）；最好的是 #{best}。</translation>
    </message>
    <message>
        <source>This trial&apos;s schedule:</source>
        <translation>这个试验的调度：</translation>
    </message>
    <message>
        <source>The schedule that trained its weights (through the trials it copied; what a replay trains):</source>
        <translation>训练出其权重的调度（经由它复制的试验；重放训练的就是它）：</translation>
    </message>
    <message>
        <source>from step {step}: {values} (as #{number})</source>
        <translation>从第 {step} 步起：{values}（作为 #{number}）</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s) pruned as hopeless (pbt.prune): {members}.</source>
        <translation>
            <numerusform>%n 个成员作为无望的谱系被剪枝（pbt.prune）：{members}。</numerusform>
        </translation>
    </message>
    <message>
        <source>pruned</source>
        <translation>已剪枝</translation>
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
        <source>Trial #{number} ({state})</source>
        <translation>试验 #{number}（{state}）</translation>
    </message>
    <message>
        <source>: it never trained (invalid config)</source>
        <translation>：从未训练（配置无效）</translation>
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
    <name>TrialLegend</name>
    <message>
        <source>+%n more</source>
        <translation>还有 %n 个</translation>
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
    <name>TrialMessage</name>
    <message>
        <source>trained {epochs} epoch(s), {steps} steps</source>
        <translation>训练了 {epochs} 个 epoch，{steps} 个 step</translation>
    </message>
    <message>
        <source>pruned after evaluation {evaluation}: {metric} = {value} is worse than most trials at this point</source>
        <translation>在第 {evaluation} 次评估后被剪枝：{metric} = {value}，比此时的大多数试验差</translation>
    </message>
    <message>
        <source>pruned at step {step} as a hopeless lineage (pbt.prune): in the replaced quantile at {streak} perturbations in a row, {metric} = {value} more than {margin} behind the best member&apos;s {best}</source>
        <translation>在第 {step} 步作为无望的谱系被剪枝（pbt.prune）：连续 {streak} 次扰动排在被替换分位数中，{metric} = {value}，落后最好成员的 {best} 超过 {margin}</translation>
    </message>
    <message>
        <source>diverged during training: the loss became {value} at step {step} (epoch {epoch}, LR {lr}); lower the learning rate (e.g. {lower}), add gradient clipping or a warm-up</source>
        <translation>训练中发散：损失在第 {step} 步（第 {epoch} 个 epoch，学习率 {lr}）变为 {value}；请降低学习率（例如 {lower}）、加入梯度裁剪或预热</translation>
    </message>
    <message>
        <source>diverged during training: the gradient norm became {value} at step {step} (epoch {epoch}, LR {lr}); lower the learning rate (e.g. {lower}), add gradient clipping or a warm-up</source>
        <translation>训练中发散：梯度范数在第 {step} 步（第 {epoch} 个 epoch，学习率 {lr}）变为 {value}；请降低学习率（例如 {lower}）、加入梯度裁剪或预热</translation>
    </message>
</context>
<context>
    <name>TrialState</name>
    <message>
        <source>complete</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>pruned</source>
        <translation>已剪枝</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>diverged</source>
        <translation>已发散</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>invalid</source>
        <translation>无效</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
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
    <message>
        <source>Ensembles</source>
        <translation>模型集成</translation>
    </message>
    <message>
        <source>Curves</source>
        <translation>曲线</translation>
    </message>
    <message>
        <source>Trials</source>
        <translation>试验</translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation>分析</translation>
    </message>
</context>
<context>
    <name>TrialsPanel</name>
    <message>
        <source>Filter, e.g.  state=complete  lr&lt;0.01  objective&gt;0.95</source>
        <translation>筛选，例如  state=complete  lr&lt;0.01  objective&gt;0.95</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>所有状态</translation>
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
    <message>
        <source>no experiment</source>
        <translation>无实验</translation>
    </message>
    <message numerus="yes">
        <source>{name}: {shown} of %n trial(s) shown, {done} complete</source>
        <translation>
            <numerusform>{name}：显示 %n 个试验中的 {shown} 个，{done} 个已完成</numerusform>
        </translation>
    </message>
    <message>
        <source>; best highlighted</source>
        <translation>；最佳试验已高亮</translation>
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
        <source>Training time of all repeats in seconds, each trial&apos;s own: trained on a CPU by one thread, that thread&apos;s CPU time; in a fused group, its share of the group&apos;s time; else wall-clock time</source>
        <translation>所有重复运行的训练时间（秒），每个试验只计自己的：在 CPU 上由单个线程训练时，为该线程的 CPU 时间；在融合组中，为它分摊到的组时间；其余情况为实际耗时</translation>
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
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>current</source>
        <translation>当前</translation>
    </message>
    <message>
        <source>Excluded: {reason}. Kept and shown, but left out of best, the Pareto front, importance, noise verdicts, plots, exports and what the sampler learns (Include undoes it).</source>
        <translation>已排除：{reason}。保留并显示，但不计入最佳、帕累托前沿、重要性、噪声判断、图表、导出以及采样器学习的内容（“恢复计入”可撤销）。</translation>
    </message>
</context>
<context>
    <name>TrialsTableModel</name>
    <message>
        <source>Trained on another baseline than the current one: shown, but left out of best and of comparisons unless asked for.</source>
        <translation>在与当前不同的基准模型上训练：会显示，但除非要求，不参与最佳试验和比较。</translation>
    </message>
    <message>
        <source>Welch&apos;s t-test against the best trial: p = {p:.2g} (beyond noise below 0.05)</source>
        <translation>与最佳试验做 Welch t 检验：p = {p:.2g}（低于 0.05 即超出噪声）</translation>
    </message>
</context>
<context>
    <name>Validation</name>
    <message>
        <source>Input should be greater than {gt}</source>
        <translation>输入应大于 {gt}</translation>
    </message>
    <message>
        <source>Input should be greater than or equal to {ge}</source>
        <translation>输入应大于或等于 {ge}</translation>
    </message>
    <message>
        <source>Input should be less than {lt}</source>
        <translation>输入应小于 {lt}</translation>
    </message>
    <message>
        <source>Input should be less than or equal to {le}</source>
        <translation>输入应小于或等于 {le}</translation>
    </message>
    <message>
        <source>Field required</source>
        <translation>必填字段</translation>
    </message>
    <message>
        <source>Input should be a valid integer, unable to parse string as an integer</source>
        <translation>输入应为有效的整数，无法把字符串解析为整数</translation>
    </message>
    <message>
        <source>Input should be a valid number, unable to parse string as a number</source>
        <translation>输入应为有效的数字，无法把字符串解析为数字</translation>
    </message>
    <message>
        <source>Input should be {expected}</source>
        <translation>输入应为 {expected}</translation>
    </message>
    <message>
        <source>String should have at least {min_length} character{s}</source>
        <translation>文本至少需要 {min_length} 个字符</translation>
    </message>
    <message>
        <source>String should have at most {max_length} character{s}</source>
        <translation>文本最多只能有 {max_length} 个字符</translation>
    </message>
    <message>
        <source>List should have at least {min_length} item{s} after validation, not {actual_length}</source>
        <translation>列表至少需要 {min_length} 项（现在是 {actual_length} 项）</translation>
    </message>
    <message>
        <source>String should match pattern &apos;{pattern}&apos;</source>
        <translation>文本应符合模式 &apos;{pattern}&apos;</translation>
    </message>
    <message>
        <source>Input tag &apos;{tag}&apos; found using {discriminator} does not match any of the expected tags: {expected_tags}</source>
        <translation>{discriminator} 的值 &apos;{tag}&apos; 不是可选的类型之一：{expected_tags}</translation>
    </message>
    <message>
        <source>Input should be a valid boolean, unable to interpret input</source>
        <translation>输入应为布尔值，无法解析该输入</translation>
    </message>
    <message>
        <source>Input should be a valid string</source>
        <translation>输入应为文本</translation>
    </message>
    <message>
        <source>Input should be a valid list</source>
        <translation>输入应为列表</translation>
    </message>
    <message>
        <source>Input should be a valid dictionary</source>
        <translation>输入应为字典</translation>
    </message>
    <message>
        <source>Input should be a valid number</source>
        <translation>输入应为数值</translation>
    </message>
    <message>
        <source>Input should be a valid integer</source>
        <translation>输入应为整数</translation>
    </message>
    <message>
        <source>unknown field (a typo?); remove it</source>
        <translation>未知字段（拼写错误？）；请删除它</translation>
    </message>
    <message>
        <source>metric &apos;{metric}&apos; does not exist for {task}; use one of: {allowed}</source>
        <translation>指标 &apos;{metric}&apos; 不适用于 {task}；请使用以下之一：{allowed}</translation>
    </message>
    <message>
        <source>&apos;{metric}&apos; is never measured because data.val_fraction is 0 (no validation split); hold out a validation split (e.g. data.val_fraction 0.2)</source>
        <translation>&apos;{metric}&apos; 永远不会被测量，因为 data.val_fraction 为 0（没有验证集）；请留出验证集（例如 data.val_fraction 0.2）</translation>
    </message>
    <message>
        <source>val_fraction + test_fraction = {total:g} leaves less than 10% of the data for training; lower them so they sum to at most 0.9</source>
        <translation>val_fraction + test_fraction = {total:g}，留给训练的数据不足 10%；请调低它们，使两者之和不超过 0.9</translation>
    </message>
    <message>
        <source>data.augment changes images; this source holds tabular data. Turn augmentation off or use image-shaped data</source>
        <translation>data.augment 作用于图像；这个数据源是表格数据。请关闭数据增强，或使用图像形状的数据</translation>
    </message>
    <message>
        <source>data.classes does not apply to a python_dataset source (its function makes the splits); filter the classes in make_datasets</source>
        <translation>data.classes 不适用于 python_dataset 数据源（由它的函数划分数据）；请在 make_datasets 中筛选类别</translation>
    </message>
    <message>
        <source>a class subset applies to classification data only</source>
        <translation>类别子集只适用于分类数据</translation>
    </message>
    <message>
        <source>a class subset needs at least two distinct classes</source>
        <translation>类别子集至少需要两个不同的类别</translation>
    </message>
    <message>
        <source>&apos;{path}&apos; is not a dotted path like optimizer.lr</source>
        <translation>&apos;{path}&apos; 不是形如 optimizer.lr 的点分路径</translation>
    </message>
    <message>
        <source>&apos;{path}&apos; is the program itself, not one of its parameters; search a program parameter as params.NAME (e.g. params.lr)</source>
        <translation>&apos;{path}&apos; 是程序本身，而不是它的参数；请以 params.NAME 的形式搜索程序参数（例如 params.lr）</translation>
    </message>
    <message>
        <source>the config</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>&apos;{path}&apos;: {where} has no field &apos;{part}&apos;; known: {known}</source>
        <translation>&apos;{path}&apos;：{where} 没有字段 &apos;{part}&apos;；已有字段：{known}</translation>
    </message>
    <message>
        <source>&apos;{path}&apos; is a section, not a value; pick one of its fields</source>
        <translation>&apos;{path}&apos; 是一个分组，不是一个值；请选择它的某个字段</translation>
    </message>
    <message>
        <source>&apos;{path}&apos; is a value and has no field &apos;{part}&apos;</source>
        <translation>&apos;{path}&apos; 是一个值，没有字段 &apos;{part}&apos;</translation>
    </message>
    <message>
        <source>kernel_size must be odd (got {kernel_size}) to keep the image centred; use 3 or 5</source>
        <translation>kernel_size 必须是奇数（当前为 {kernel_size}），以保持图像居中；请使用 3 或 5</translation>
    </message>
    <message>
        <source>Nesterov momentum needs momentum &gt; 0; set momentum (e.g. 0.9) or turn Nesterov off</source>
        <translation>Nesterov 动量需要 momentum &gt; 0；请设置动量（例如 0.9）或关闭 Nesterov</translation>
    </message>
    <message>
        <source>parameter &apos;{name}&apos;: default: {problem}</source>
        <translation>参数 &apos;{name}&apos;：默认值：{problem}</translation>
    </message>
    <message>
        <source>parameter &apos;{name}&apos;: choice {choice}: {problem}</source>
        <translation>参数 &apos;{name}&apos;：可选值 {choice}：{problem}</translation>
    </message>
    <message>
        <source>{value} is not an int</source>
        <translation>{value} 不是 int</translation>
    </message>
    <message>
        <source>{value} is not a {kind}</source>
        <translation>{value} 不是 {kind}</translation>
    </message>
    <message>
        <source>{value} is not one of its choices ({allowed})</source>
        <translation>{value} 不在它的可选值之中（{allowed}）</translation>
    </message>
    <message>
        <source>command: cannot be split into words ({error}); check its quotes</source>
        <translation>command：无法拆分成单词（{error}）；请检查引号</translation>
    </message>
    <message>
        <source>command: empty; give the command that trains, e.g. &apos;python train.py&apos;</source>
        <translation>command：为空；请给出训练用的命令，例如 &apos;python train.py&apos;</translation>
    </message>
    <message>
        <source>parameters repeat: {names}</source>
        <translation>参数重复：{names}</translation>
    </message>
    <message>
        <source>seed_parameter &apos;{name}&apos; is not one of the parameters ({names}); declare it</source>
        <translation>seed_parameter &apos;{name}&apos; 不是已声明的参数之一（{names}）；请声明它</translation>
    </message>
    <message>
        <source>seed_parameter &apos;{name}&apos; is a {kind}; a seed is an int</source>
        <translation>seed_parameter &apos;{name}&apos; 的类型是 {kind}；随机种子应为 int</translation>
    </message>
    <message>
        <source>metric_pattern is not a regular expression: {error}</source>
        <translation>metric_pattern 不是正则表达式：{error}</translation>
    </message>
    <message>
        <source>metric_pattern has no named group: use (?P&lt;key&gt;...) and (?P&lt;value&gt;...), or name each metric&apos;s group, e.g. val_acc=(?P&lt;val_acc&gt;[\d.]+)</source>
        <translation>metric_pattern 没有命名分组：请使用 (?P&lt;key&gt;...) 和 (?P&lt;value&gt;...)，或为每个指标的分组命名，例如 val_acc=(?P&lt;val_acc&gt;[\d.]+)</translation>
    </message>
    <message>
        <source>metric_pattern needs both groups &apos;key&apos; and &apos;value&apos;, or neither</source>
        <translation>metric_pattern 需要同时有 &apos;key&apos; 和 &apos;value&apos; 两个分组，或者都没有</translation>
    </message>
    <message>
        <source>a &apos;module:function&apos; program takes its values as keyword arguments; pass_values applies to commands only, leave it at flags</source>
        <translation>&apos;module:function&apos; 形式的程序以关键字参数接收取值；pass_values 只适用于命令，请保持为 flags</translation>
    </message>
    <message>
        <source>the program has no parameter &apos;{name}&apos; (its parameters: {known})</source>
        <translation>程序没有参数 &apos;{name}&apos;（它的参数：{known}）</translation>
    </message>
    <message>
        <source>no such folder: {folder}</source>
        <translation>没有这个文件夹：{folder}</translation>
    </message>
    <message>
        <source>no such Python interpreter: {head}</source>
        <translation>没有这个 Python 解释器：{head}</translation>
    </message>
    <message>
        <source>python is given no script; name it, e.g. &apos;python train.py&apos;</source>
        <translation>python 后面没有给出脚本；请写上它，例如 &apos;python train.py&apos;</translation>
    </message>
    <message>
        <source>python -m is given no module</source>
        <translation>python -m 后面没有给出模块</translation>
    </message>
    <message>
        <source>no such file: {path} (relative paths start at the program&apos;s working folder, {folder})</source>
        <translation>没有这个文件：{path}（相对路径从程序的工作文件夹 {folder} 开始）</translation>
    </message>
    <message>
        <source>no such file: {path}</source>
        <translation>没有这个文件：{path}</translation>
    </message>
    <message>
        <source>{path} is not executable; make it so (chmod +x {name}) or run it through its interpreter (python {head})</source>
        <translation>{path} 不可执行；请让它可执行（chmod +x {name}），或通过它的解释器运行（python {head}）</translation>
    </message>
    <message>
        <source>no program &apos;{head}&apos; on the PATH; give its path or install it</source>
        <translation>PATH 上没有程序 &apos;{head}&apos;；请给出它的路径或安装它</translation>
    </message>
    <message>
        <source>no module &apos;{module}&apos; in {folder} (nor installed); check the name and the working folder</source>
        <translation>{folder} 中没有模块 &apos;{module}&apos;（也没有安装）；请检查名称和工作文件夹</translation>
    </message>
    <message>
        <source>experiment &apos;{name}&apos;: {problem}</source>
        <translation>实验 &apos;{name}&apos;：{problem}</translation>
    </message>
    <message>
        <source>search.objective.metric, also watched by the {pruner} pruner</source>
        <translation>search.objective.metric，{pruner} 剪枝器也会监控它</translation>
    </message>
    <message>
        <source>experiment &apos;{name}&apos;</source>
        <translation>实验 &apos;{name}&apos;</translation>
    </message>
    <message>
        <source>the search</source>
        <translation>本次搜索</translation>
    </message>
    <message>
        <source>data.val_fraction is 0 (no validation split), so {who} never measures its objective &apos;{metric}&apos; ({users}): every trial would train, then fail; hold out a validation split (e.g. data.val_fraction 0.2)</source>
        <translation>data.val_fraction 为 0（没有验证集），因此{who}永远不会测量它的目标 &apos;{metric}&apos;（{users}）：每个试验都会训练完后失败；请留出验证集（例如 data.val_fraction 0.2）</translation>
    </message>
    <message>
        <source>none declared</source>
        <translation>未声明</translation>
    </message>
    <message>
        <source>{path} is a built-in field; the baseline is a program, which never sees it: search its parameters ({names})</source>
        <translation>{path} 是内置字段；基准模型是一个程序，它看不到这个字段：请搜索它的参数（{names}）</translation>
    </message>
    <message>
        <source>{path}: the program has no parameter &apos;{name}&apos; (its parameters: {names}); declare it under baseline.program.parameters</source>
        <translation>{path}：程序没有参数 &apos;{name}&apos;（它的参数：{names}）；请在 baseline.program.parameters 中声明它</translation>
    </message>
    <message>
        <source>{path} is an int parameter; use an int dimension</source>
        <translation>{path} 是 int 参数；请使用 int 维度</translation>
    </message>
    <message>
        <source>{path} is a {kind} parameter; use a categorical dimension</source>
        <translation>{path} 是 {kind} 参数；请使用类别维度</translation>
    </message>
    <message>
        <source>{path}: {problem}</source>
        <translation>{path}：{problem}</translation>
    </message>
    <message>
        <source>repeats is {repeats}, but the program takes no seed: name the parameter that does as baseline.program.seed_parameter, or set repeats to 1</source>
        <translation>repeats 为 {repeats}，但程序不接收随机种子：请把接收种子的参数填入 baseline.program.seed_parameter，或把 repeats 设为 1</translation>
    </message>
    <message>
        <source>schema_version must be {version}</source>
        <translation>schema_version 必须为 {version}</translation>
    </message>
    <message>
        <source>experiment names repeat: {names}</source>
        <translation>实验名称重复：{names}</translation>
    </message>
    <message>
        <source>experiment &apos;{name}&apos;: objective: {problem}</source>
        <translation>实验 &apos;{name}&apos;：目标：{problem}</translation>
    </message>
    <message>
        <source>baseline.{problem}</source>
        <translation>baseline.{problem}</translation>
    </message>
    <message>
        <source>experiment &apos;{name}&apos;: {path} names a program parameter, but the baseline has no program; set baseline.program or search a built-in field</source>
        <translation>实验 &apos;{name}&apos;：{path} 指向一个程序参数，但基准模型没有程序；请设置 baseline.program，或搜索内置字段</translation>
    </message>
    <message>
        <source>experiment &apos;{name}&apos;: {path} does not exist for {section} kind &apos;{kind}&apos; (only {kinds}); change the baseline&apos;s {section}.kind or search over it too</source>
        <translation>实验 &apos;{name}&apos;：{path} 在 {section} 类型 &apos;{kind}&apos; 下不存在（只有 {kinds} 有）；请修改基准模型的 {section}.kind，或同时搜索它</translation>
    </message>
    <message>
        <source>params.{name}: {problem}</source>
        <translation>params.{name}：{problem}</translation>
    </message>
    <message>
        <source>{where}: {problem}</source>
        <translation>{where}：{problem}</translation>
    </message>
    <message>
        <source>params ({names}) are a program&apos;s parameters, but this run has no program; remove them or set program</source>
        <translation>params（{names}）是程序的参数，但这次运行没有程序；请删除它们或设置 program</translation>
    </message>
    <message>
        <source>schedule.warmup_epochs ({warmup:g}) must be shorter than training.epochs ({epochs}); shorten the warm-up or train longer</source>
        <translation>schedule.warmup_epochs（{warmup:g}）必须短于 training.epochs（{epochs}）；请缩短预热周期或训练更多 epoch</translation>
    </message>
    <message>
        <source>model.kind: a {kind} model needs image-shaped data (e.g. the digits set, an image folder, or an .npz with X of shape N x C x H x W); use an MLP for tabular data</source>
        <translation>model.kind：{kind} 模型需要图像形状的数据（例如 digits 数据集、图像文件夹，或 X 形状为 N x C x H x W 的 .npz 文件）；表格数据请使用 MLP</translation>
    </message>
    <message>
        <source>training.loss cross_entropy needs classification data; use mse</source>
        <translation>training.loss 为 cross_entropy 时需要分类数据；请使用 mse</translation>
    </message>
    <message>
        <source>training.loss mse needs regression data; use cross_entropy</source>
        <translation>training.loss 为 mse 时需要回归数据；请使用 cross_entropy</translation>
    </message>
    <message>
        <source>training.label_smoothing applies to the cross-entropy loss only</source>
        <translation>training.label_smoothing 只适用于交叉熵损失</translation>
    </message>
    <message>
        <source>training.mixed_precision needs a CUDA device; turn it off or set device to auto or cuda</source>
        <translation>training.mixed_precision 需要 CUDA 设备；请关闭它，或把设备设为 auto 或 cuda</translation>
    </message>
    <message>
        <source>one-cycle rises on its own (pct_start); set warmup_epochs to 0</source>
        <translation>one-cycle 自带上升阶段（pct_start）；请把 warmup_epochs 设为 0</translation>
    </message>
    <message>
        <source>floor_fraction {floor:g} is above the first cut (factor {factor:g}), so the LR could never be cut; lower floor_fraction (default 1/1024)</source>
        <translation>floor_fraction {floor:g} 高于第一次下调后的值（factor {factor:g}），学习率永远不会被下调；请调低 floor_fraction（默认 1/1024）</translation>
    </message>
    <message>
        <source>plateau monitors a validation metric, not &apos;{metric}&apos;</source>
        <translation>plateau 监控的是验证指标，而不是 &apos;{metric}&apos;</translation>
    </message>
    <message>
        <source>&apos;{path}&apos;: a program parameter is named params.NAME, e.g. params.lr</source>
        <translation>&apos;{path}&apos;：程序参数的名称形如 params.NAME，例如 params.lr</translation>
    </message>
    <message>
        <source>{path}: low ({low:g}) must be below high ({high:g})</source>
        <translation>{path}：下限（{low:g}）必须小于上限（{high:g}）</translation>
    </message>
    <message>
        <source>{path}: a log scale needs low &gt; 0 (got {low:g})</source>
        <translation>{path}：对数刻度需要下限 &gt; 0（当前为 {low:g}）</translation>
    </message>
    <message>
        <source>{path}: choose a log scale or a step, not both</source>
        <translation>{path}：对数刻度和步长只能二选一</translation>
    </message>
    <message>
        <source>{path}: values {outside} lie outside [{low:g}, {high:g}]</source>
        <translation>{path}：取值 {outside} 超出了 [{low:g}, {high:g}]</translation>
    </message>
    <message>
        <source>{path}: values repeat</source>
        <translation>{path}：取值重复</translation>
    </message>
    <message>
        <source>{path}: {name} ({value:g}) is outside the field&apos;s limits: it must be {op} {bound:g}; every trial there would be invalid</source>
        <translation>{path}：{name}（{value:g}）超出了字段的限制：它必须 {op} {bound:g}；那里的每个试验都会无效</translation>
    </message>
    <message>
        <source>{path} is not a number; use a categorical dimension</source>
        <translation>{path} 不是数值；请使用类别维度</translation>
    </message>
    <message>
        <source>{path} is an integer; use an int dimension</source>
        <translation>{path} 是整数；请使用 int 维度</translation>
    </message>
    <message>
        <source>{path}: choices repeat</source>
        <translation>{path}：可选值重复</translation>
    </message>
    <message>
        <source>{path}: {bad} not allowed; choose from {allowed}</source>
        <translation>{path}：不允许 {bad}；请从 {allowed} 中选择</translation>
    </message>
    <message>
        <source>deadline &apos;{deadline}&apos; is not a date and time: write it as 2026-12-05T18:00</source>
        <translation>截止时间 &apos;{deadline}&apos; 不是日期时间：请写成 2026-12-05T18:00 的形式</translation>
    </message>
    <message>
        <source>the objective must be a validation metric, not &apos;{metric}&apos;: tuning on training data rewards overfitting</source>
        <translation>目标必须是验证指标，而不是 &apos;{metric}&apos;：在训练数据上调参会奖励过拟合</translation>
    </message>
    <message>
        <source>dimensions repeat: {paths}</source>
        <translation>维度重复：{paths}</translation>
    </message>
    <message>
        <source>strategy &apos;{strategy}&apos; never runs out of values: set budget.trials or budget.timeout_s</source>
        <translation>策略 &apos;{strategy}&apos; 的取值永远不会用完：请设置 budget.trials 或 budget.timeout_s</translation>
    </message>
    <message>
        <source>population-based training needs at least one dimension to explore, e.g. optimizer.lr</source>
        <translation>基于种群的训练至少需要一个可探索的维度，例如 optimizer.lr</translation>
    </message>
    <message>
        <source>{path}: population-based training copies the weights and optimiser state of one running member into another and changes its values mid-run; a program&apos;s trial is a process of its own whose training TuneStudio cannot stop at a step, copy or change. Search a program&apos;s parameters with tpe, random or grid</source>
        <translation>{path}：基于种群的训练会把一个正在训练的成员的权重和优化器状态复制给另一个成员，并在训练中途改变其取值；程序的试验是一个独立的进程，TuneStudio 无法让它在某一步停下、复制或修改它的训练。请用 tpe、random 或 grid 搜索程序的参数</translation>
    </message>
    <message>
        <source>{path}: population-based training changes hyperparameters while the population trains, and {path} cannot change mid-run; explore one of {paths}, or use another strategy</source>
        <translation>{path}：基于种群的训练在种群训练期间改变超参数，而 {path} 不能在运行中途改变；请探索 {paths} 之一，或使用其他策略</translation>
    </message>
    <message>
        <source>{path}: population-based training explores numeric ranges; give it a float dimension</source>
        <translation>{path}：基于种群的训练探索数值范围；请为它使用浮点维度</translation>
    </message>
    <message>
        <source>{path}: population-based training explores every dimension of every member; remove its condition</source>
        <translation>{path}：基于种群的训练会探索每个成员的每个维度；请移除其条件</translation>
    </message>
    <message>
        <source>pbt.explore names {paths}, which is not a dimension of this search; add the dimension or remove the rule</source>
        <translation>pbt.explore 指定了 {paths}，但它不是本搜索的维度；请添加该维度或删除该规则</translation>
    </message>
    <message>
        <source>population-based training trains each member once (its schedule is its own); set repeats to 1</source>
        <translation>基于种群的训练对每个成员只训练一次（其调度是它自己的）；请将重复次数设为 1</translation>
    </message>
    <message>
        <source>population-based training ranks its members by one objective; remove the second objective</source>
        <translation>基于种群的训练按一个目标对成员排名；请移除第二个目标</translation>
    </message>
    <message>
        <source>{path}: its condition names &apos;{knob}&apos;, which is neither a dimension of this search nor a config field</source>
        <translation>{path}：它的条件指向 &apos;{knob}&apos;，它既不是本次搜索的维度，也不是配置字段</translation>
    </message>
    <message>
        <source>{path}: its condition makes a cycle ({loop})</source>
        <translation>{path}：它的条件形成了循环（{loop}）</translation>
    </message>
    <message>
        <source>{path}: its condition names &apos;{knob}&apos;, a later dimension; move {knob} before {path}</source>
        <translation>{path}：它的条件指向 &apos;{knob}&apos;，一个排在后面的维度；请把 {knob} 移到 {path} 之前</translation>
    </message>
    <message>
        <source>choices ({choices})</source>
        <translation>可选值（{choices}）</translation>
    </message>
    <message>
        <source>range ({low}..{high})</source>
        <translation>范围（{low}..{high}）</translation>
    </message>
    <message>
        <source>{path}: its condition&apos;s value(s) {values} are outside {knob}&apos;s {where}</source>
        <translation>{path}：它的条件取值 {values} 超出了 {knob} 的{where}</translation>
    </message>
    <message>
        <source>unknown device &apos;{device}&apos;; use auto, cpu, cuda, cuda:N or mps</source>
        <translation>未知设备 &apos;{device}&apos;；请使用 auto、cpu、cuda、cuda:N 或 mps</translation>
    </message>
    <message>
        <source>hyper_schedule at step {step}: {paths} cannot change while a run trains; change only {allowed}</source>
        <translation>hyper_schedule 第 {step} 步：{paths} 不能在训练过程中改变；只能改变 {allowed}</translation>
    </message>
    <message>
        <source>hyper_schedule: its steps must increase ({first} then {second})</source>
        <translation>hyper_schedule：步数必须递增（{first} 之后是 {second}）</translation>
    </message>
    <message>
        <source>hyper_schedule at step {step}: the optimiser has no {name}; remove it or change optimizer.kind</source>
        <translation>hyper_schedule 第 {step} 步：优化器没有 {name}；请删除它或修改 optimizer.kind</translation>
    </message>
    <message>
        <source>pbt.explore names {paths} more than once; keep one rule per dimension</source>
        <translation>pbt.explore 多次指定了 {paths}；每个维度只保留一条规则</translation>
    </message>
    <message>
        <source>prune.min_population ({floor}) must be below population ({population}), else no member can be pruned; lower it, or leave it empty for half the population</source>
        <translation>prune.min_population（{floor}）必须小于 population（{population}），否则没有成员能被剪枝；请调低它，或留空以取种群的一半</translation>
    </message>
    <message>
        <source>{where}: explore factors must be positive numbers (got {bad}); e.g. [0.8, 1.2]</source>
        <translation>{where}：探索因子必须是正数（得到 {bad}）；例如 [0.8, 1.2]</translation>
    </message>
</context>
<context>
    <name>Verdict</name>
    <message>
        <source>{knob}: effect {effect:.3g}; noise unknown (run the baseline with several seeds)</source>
        <translation>{knob}：效应 {effect:.3g}；噪声未知（用多个随机种子运行基准模型）</translation>
    </message>
    <message>
        <source>{knob}: effect {effect:.3g} exceeds the baseline&apos;s seed noise ({test}: p = {p:.2g}, alpha {alpha:g}; beyond noise from {threshold:.3g}); best at {best!r}</source>
        <translation>{knob}：效应 {effect:.3g} 超出基准模型的随机种子噪声（{test}：p = {p:.2g}，alpha {alpha:g}；从 {threshold:.3g} 起超出噪声）；最佳取值 {best!r}</translation>
    </message>
    <message>
        <source>{knob}: effect {effect:.3g} within the baseline&apos;s seed noise ({test}: p = {p:.2g}, alpha {alpha:g}; beyond noise from {threshold:.3g}); best at {best!r}</source>
        <translation>{knob}：效应 {effect:.3g} 在基准模型的随机种子噪声范围内（{test}：p = {p:.2g}，alpha {alpha:g}；从 {threshold:.3g} 起超出噪声）；最佳取值 {best!r}</translation>
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
    <name>WorkersChoice</name>
    <message>
        <source>workers auto: {count} processes train trials side by side, one per CPU core ({cores} cores, no GPU); --workers 1 trains them in this process alone</source>
        <translation>workers auto：{count} 个进程并行训练试验，每个 CPU 核心一个（{cores} 个核心，无 GPU）；--workers 1 则只在本进程中训练</translation>
    </message>
    <message>
        <source>workers auto: could not start a worker process ({error}); the trials train in this process alone</source>
        <translation>workers auto：无法启动工作进程（{error}）；试验只在本进程中训练</translation>
    </message>
</context>
<context>
    <name>WorkersSpin</name>
    <message>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Trials trained at once on this machine, as `tunestudio run --workers N`: this window trains one and N − 1 worker processes beside it one each, every trial in its own process for a program. The CPU threads are divided between them and each takes a GPU in turn. Auto: one per CPU core (at most {most}) where no GPU is found and the budget gives each at least {per} trials, else 1; the run says what it chose. This machine has {cores} CPU cores. More than one needs the project saved (the worker processes read the file).</source>
        <translation>在本机上同时训练的试验数，同 `tunestudio run --workers N`：本窗口训练一个，旁边的 N − 1 个工作进程各训练一个；程序的每个试验都在各自的进程中运行。CPU 线程在它们之间平分，每个依次占用一块 GPU。自动：未发现 GPU 且预算能让每个进程至少训练 {per} 个试验时，每个 CPU 核心一个（至多 {most} 个），否则为 1；运行会说明它的选择。本机有 {cores} 个 CPU 核心。多于一个时需要先保存项目（工作进程读取该文件）。</translation>
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
        <source>TuneStudio projects (*{suffix});;All files (*)</source>
        <translation>TuneStudio 项目 (*{suffix});;所有文件 (*)</translation>
    </message>
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
        <source>Save {name}?</source>
        <translation>保存 {name}？</translation>
    </message>
    <message>
        <source>Save the changes to {name}?</source>
        <translation>保存对 {name} 的更改？</translation>
    </message>
    <message>
        <source>It was never saved: its trials can only be found again through the project file.</source>
        <translation>它从未保存过：只有通过项目文件才能再次找到它的试验。</translation>
    </message>
    <message>
        <source>Your changes are lost if you don&apos;t save them.</source>
        <translation>不保存的话，你的更改会丢失。</translation>
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
        <source>The file was not changed. Fix the fields named above (in a text editor) and open it again.</source>
        <translation>文件没有被改动。请（在文本编辑器中）修正上面列出的字段，然后重新打开。</translation>
    </message>
    <message>
        <source>Cannot open project</source>
        <translation>无法打开项目</translation>
    </message>
    <message>
        <source>This project file cannot be opened (%n problem(s)):</source>
        <translation>无法打开这个项目文件（%n 个问题）：</translation>
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
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>smoothed</source>
        <translation>平滑后</translation>
    </message>
    <message>
        <source>suggested</source>
        <translation>建议值</translation>
    </message>
    <message>
        <source>LR range test: suggested LR {lr}, range {low}..{high}</source>
        <translation>学习率范围测试：建议学习率 {lr}，范围 {low}..{high}</translation>
    </message>
</context>
<context>
    <name>trust</name>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>program</source>
        <translation>程序</translation>
    </message>
    <message>
        <source>User code not found</source>
        <translation>找不到用户代码</translation>
    </message>
    <message>
        <source>The project&apos;s {role} file does not exist:

{path}</source>
        <translation>项目的{role}文件不存在：

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
        <translation>这个项目从一个 Python 文件运行它的{role}：</translation>
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
